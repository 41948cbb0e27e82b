//! The shell structure: one pass over a command line's bytes, with a stack of frames for `( … )`,
//! `$( … )`, backticks and brace groups, heredocs and quoting, that hands each simple command to
//! [`super::wrappers::classify_argv`].

use super::*;

pub(super) fn parse_script(src: &[u8], depth: u8, runs: &mut CommandRuns) {
    if depth > MAX_DEPTH || src.is_empty() {
        return;
    }
    let mut p = Parser {
        src,
        pos: 0,
        depth,
        frames: Vec::new(),
        heredocs: Vec::new(),
        next_cmd: 0,
        runs,
        aborted: false,
        pipeline_start_before_end: 0,
    };
    p.run();
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Closer {
    Top,
    Paren,
    Backtick,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Redirect {
    None,
    Target,
    HereDoc { strip_tabs: bool },
    HereString,
}

pub(super) struct Frame {
    closer: Closer,
    /// Arrays, arithmetic and globs: structure is tracked, nothing is classified.
    discard: bool,
    in_dq: bool,
    /// Text of the current simple command's words; the word being read is its tail.
    buf: Vec<u8>,
    words: Vec<(usize, usize)>,
    word_start: Option<usize>,
    redirect: Redirect,
    herestring: Option<(usize, usize)>,
    cmd_id: u32,
    /// The id of the first command of the pipeline this command belongs to.
    pipeline_start: u32,
}

impl Frame {
    pub(super) fn new(closer: Closer, discard: bool, cmd_id: u32) -> Self {
        Frame {
            closer,
            discard,
            in_dq: false,
            buf: Vec::new(),
            words: Vec::new(),
            word_start: None,
            redirect: Redirect::None,
            herestring: None,
            cmd_id,
            pipeline_start: cmd_id,
        }
    }

    pub(super) fn start_word(&mut self) {
        if self.word_start.is_none() {
            self.word_start = Some(self.buf.len());
        }
    }

    pub(super) fn reset(&mut self) {
        self.words.clear();
        self.buf.clear();
        self.word_start = None;
        self.redirect = Redirect::None;
        self.herestring = None;
    }
}

pub(super) struct Heredoc {
    delim: Vec<u8>,
    strip_tabs: bool,
    cmd_id: u32,
    script: bool,
}

pub(super) struct Parser<'s, 'r> {
    src: &'s [u8],
    pos: usize,
    depth: u8,
    frames: Vec<Frame>,
    heredocs: Vec<Heredoc>,
    next_cmd: u32,
    runs: &'r mut CommandRuns,
    aborted: bool,
    /// The pipeline start of the command `end_command` last ended.
    pipeline_start_before_end: u32,
}

impl Parser<'_, '_> {
    pub(super) fn run(&mut self) {
        self.frames.push(Frame::new(Closer::Top, false, 0));
        while self.pos < self.src.len() && !self.aborted {
            self.step();
        }
        while !self.frames.is_empty() {
            self.end_command();
            self.frames.pop();
        }
    }

    pub(super) fn top(&mut self) -> Option<&mut Frame> {
        self.frames.last_mut()
    }

    pub(super) fn push_byte(&mut self, b: u8) {
        if let Some(f) = self.top() {
            f.start_word();
            f.buf.push(b);
        }
    }

    pub(super) fn push_slice(&mut self, s: &[u8]) {
        if let Some(f) = self.top() {
            f.start_word();
            f.buf.extend_from_slice(s);
        }
    }

    pub(super) fn start_word(&mut self) {
        if let Some(f) = self.top() {
            f.start_word();
        }
    }

    pub(super) fn push_frame(&mut self, closer: Closer, discard: bool) {
        if self.frames.len() >= MAX_FRAMES {
            self.aborted = true;
            return;
        }
        let parent_discard = self.frames.last().is_some_and(|f| f.discard);
        self.next_cmd = self.next_cmd.wrapping_add(1);
        self.frames
            .push(Frame::new(closer, discard || parent_discard, self.next_cmd));
    }

    pub(super) fn pop_frame(&mut self) {
        if self.frames.len() > 1 {
            self.frames.pop();
        }
    }

    pub(super) fn step(&mut self) {
        let src = self.src;
        let pos = self.pos;
        let Some(&c) = src.get(pos) else {
            self.pos = src.len();
            return;
        };
        let next = src.get(pos + 1).copied();
        let Some(f) = self.frames.last() else {
            self.pos = src.len();
            return;
        };
        let (in_dq, in_word, closer) = (f.in_dq, f.word_start.is_some(), f.closer);
        if in_dq {
            match c {
                b'"' => {
                    if let Some(f) = self.top() {
                        f.in_dq = false;
                    }
                    self.pos += 1;
                }
                b'\\' => match next {
                    Some(b'\n') => self.pos += 2,
                    Some(n @ (b'$' | b'`' | b'"' | b'\\')) => {
                        self.push_byte(n);
                        self.pos += 2;
                    }
                    _ => {
                        self.push_byte(b'\\');
                        self.pos += 1;
                    }
                },
                b'$' => self.dollar(next, true),
                b'`' => {
                    self.pos += 1;
                    self.push_frame(Closer::Backtick, false);
                }
                _ => {
                    self.push_byte(c);
                    self.pos += 1;
                }
            }
            return;
        }
        match c {
            b' ' | b'\t' | b'\r' => {
                self.end_word();
                self.pos += 1;
            }
            b'\n' => {
                self.end_command();
                self.pos += 1;
                self.read_heredocs();
            }
            b'#' if !in_word => {
                self.pos = memchr(b'\n', &src[pos..]).map_or(src.len(), |i| pos + i);
            }
            b'\'' => {
                self.start_word();
                let body = &src[pos + 1..];
                match memchr(b'\'', body) {
                    Some(i) => {
                        self.push_slice(&body[..i]);
                        self.pos = pos + 2 + i;
                    }
                    None => {
                        self.push_slice(body);
                        self.pos = src.len();
                    }
                }
            }
            b'"' => {
                if let Some(f) = self.top() {
                    f.start_word();
                    f.in_dq = true;
                }
                self.pos += 1;
            }
            b'\\' => match next {
                Some(b'\n') => self.pos += 2,
                Some(n) => {
                    self.push_byte(n);
                    self.pos += 2;
                }
                None => self.pos += 1,
            },
            b'$' => self.dollar(next, false),
            b'`' => {
                self.pos += 1;
                if closer == Closer::Backtick {
                    self.end_command();
                    self.pop_frame();
                } else {
                    self.start_word();
                    self.push_frame(Closer::Backtick, false);
                }
            }
            b'(' => self.open_paren(next, in_word),
            b')' => {
                self.end_command();
                if closer == Closer::Paren {
                    self.pop_frame();
                }
                self.pos += 1;
            }
            b';' => {
                self.end_command();
                self.pos += 1;
                while matches!(src.get(self.pos), Some(b';' | b'&')) {
                    self.pos += 1;
                }
            }
            b'&' => match next {
                Some(b'>') => {
                    self.end_word();
                    self.pos += 2;
                    if src.get(self.pos) == Some(&b'>') {
                        self.pos += 1;
                    }
                    self.set_redirect(Redirect::Target);
                }
                Some(b'&') => {
                    self.end_command();
                    self.pos += 2;
                }
                _ => {
                    self.end_command();
                    self.pos += 1;
                }
            },
            b'|' => {
                let pipe = next != Some(b'|');
                self.end_command();
                if pipe {
                    // `cat <<EOF | bash`: the next command reads what this one writes.
                    if let Some(f) = self.frames.last_mut() {
                        f.pipeline_start = self.pipeline_start_before_end;
                    }
                }
                self.pos += if matches!(next, Some(b'|' | b'&')) { 2 } else { 1 };
            }
            b'<' | b'>' => self.redirect(c, next),
            _ => {
                self.push_byte(c);
                self.pos += 1;
            }
        }
    }

    /// At a `$`: command substitution, parameter expansion, ANSI-C or locale quoting, or a literal.
    pub(super) fn dollar(&mut self, next: Option<u8>, in_dq: bool) {
        let src = self.src;
        let pos = self.pos;
        self.start_word();
        match next {
            Some(b'(') => {
                let arithmetic = src.get(pos + 2) == Some(&b'(');
                self.pos += 2;
                self.push_frame(Closer::Paren, arithmetic);
            }
            Some(b'{') => {
                let mut depth = 0usize;
                let mut end = src.len();
                for (i, &b) in src.iter().enumerate().skip(pos + 1) {
                    if b == b'{' {
                        depth += 1;
                    } else if b == b'}' {
                        depth -= 1;
                        if depth == 0 {
                            end = i + 1;
                            break;
                        }
                    }
                }
                self.push_slice(&src[pos..end]);
                self.pos = end;
            }
            Some(b'\'') if !in_dq => {
                let mut i = pos + 2;
                while let Some(&b) = src.get(i) {
                    match b {
                        b'\\' => {
                            if let Some(&n) = src.get(i + 1) {
                                self.push_byte(n);
                            }
                            i += 2;
                        }
                        b'\'' => {
                            i += 1;
                            break;
                        }
                        _ => {
                            self.push_byte(b);
                            i += 1;
                        }
                    }
                }
                self.pos = i.min(src.len());
            }
            Some(b'"') if !in_dq => self.pos += 1,
            _ => {
                self.push_byte(b'$');
                self.pos += 1;
            }
        }
    }

    pub(super) fn open_paren(&mut self, next: Option<u8>, in_word: bool) {
        let Some(f) = self.frames.last_mut() else { return };
        if in_word {
            let assignment = f.buf.last() == Some(&b'=');
            if next == Some(b')') && !assignment {
                // `name() { …; }`: a function definition; its body counts where it is written.
                f.reset();
                self.pos += 2;
                return;
            }
            // `a=( … )`, `@( … )`: data, not commands.
            self.pos += 1;
            self.push_frame(Closer::Paren, true);
        } else if next == Some(b')') {
            f.reset();
            self.pos += 2;
        } else {
            self.end_command();
            self.pos += 1;
            self.push_frame(Closer::Paren, false);
        }
    }

    pub(super) fn redirect(&mut self, c: u8, next: Option<u8>) {
        if let Some(f) = self.frames.last_mut() {
            // `2>&1`: a file descriptor number, not a word.
            if let Some(s) = f.word_start {
                if f.buf.len() > s && f.buf[s..].iter().all(u8::is_ascii_digit) {
                    f.buf.truncate(s);
                    f.word_start = None;
                }
            }
        }
        self.end_word();
        let n2 = self.src.get(self.pos + 2).copied();
        match (c, next) {
            (_, Some(b'(')) => {
                self.start_word();
                self.pos += 2;
                self.push_frame(Closer::Paren, false);
            }
            (b'<', Some(b'<')) => match n2 {
                Some(b'<') => {
                    self.pos += 3;
                    self.set_redirect(Redirect::HereString);
                }
                Some(b'-') => {
                    self.pos += 3;
                    self.set_redirect(Redirect::HereDoc { strip_tabs: true });
                }
                _ => {
                    self.pos += 2;
                    self.set_redirect(Redirect::HereDoc { strip_tabs: false });
                }
            },
            (b'<', Some(b'&' | b'>')) | (b'>', Some(b'>' | b'|' | b'&')) => {
                self.pos += 2;
                self.set_redirect(Redirect::Target);
            }
            _ => {
                self.pos += 1;
                self.set_redirect(Redirect::Target);
            }
        }
    }

    pub(super) fn set_redirect(&mut self, r: Redirect) {
        if let Some(f) = self.top() {
            f.redirect = r;
        }
    }

    pub(super) fn end_word(&mut self) {
        let Parser { frames, heredocs, .. } = self;
        let Some(f) = frames.last_mut() else { return };
        let Some(start) = f.word_start.take() else { return };
        let end = f.buf.len();
        match std::mem::replace(&mut f.redirect, Redirect::None) {
            Redirect::None => {
                if f.words.len() < MAX_WORDS {
                    f.words.push((start, end));
                } else {
                    f.buf.truncate(start);
                }
            }
            Redirect::Target => f.buf.truncate(start),
            Redirect::HereDoc { strip_tabs } => {
                if heredocs.len() < MAX_HEREDOCS {
                    let delim = f.buf.get(start..).unwrap_or_default().to_vec();
                    heredocs.push(Heredoc {
                        delim,
                        strip_tabs,
                        cmd_id: f.cmd_id,
                        script: false,
                    });
                }
                f.buf.truncate(start);
            }
            Redirect::HereString => f.herestring = Some((start, end)),
        }
    }

    pub(super) fn end_command(&mut self) {
        self.end_word();
        self.next_cmd = self.next_cmd.wrapping_add(1);
        let Parser {
            frames,
            heredocs,
            runs,
            depth,
            next_cmd,
            pipeline_start_before_end,
            ..
        } = self;
        let Some(f) = frames.last_mut() else { return };
        if !f.discard && !f.words.is_empty() {
            let out = classify_argv(
                Args {
                    buf: &f.buf,
                    w: &f.words,
                },
                *depth,
                runs,
            );
            runs.add(out.set);
            if out.stdin_script {
                let (first, last) = (f.pipeline_start, f.cmd_id);
                for h in heredocs.iter_mut().filter(|h| (first..=last).contains(&h.cmd_id)) {
                    h.script = true;
                }
                if let Some(body) = f.herestring.and_then(|(s, e)| f.buf.get(s..e)) {
                    parse_script(body, *depth + 1, runs);
                }
            }
        }
        f.reset();
        *pipeline_start_before_end = f.pipeline_start;
        f.cmd_id = *next_cmd;
        f.pipeline_start = *next_cmd;
    }

    /// After a newline: the bodies of the pending heredocs follow, each up to its delimiter line.
    pub(super) fn read_heredocs(&mut self) {
        if self.heredocs.is_empty() {
            return;
        }
        let src = self.src;
        let pending = std::mem::take(&mut self.heredocs);
        for h in &pending {
            let body_start = self.pos;
            let mut body_end = src.len();
            while self.pos < src.len() {
                let line_start = self.pos;
                let eol = memchr(b'\n', &src[line_start..]).map_or(src.len(), |i| line_start + i);
                let mut line = &src[line_start..eol];
                if h.strip_tabs {
                    while let [b'\t', rest @ ..] = line {
                        line = rest;
                    }
                }
                if let [rest @ .., b'\r'] = line {
                    line = rest;
                }
                self.pos = (eol + 1).min(src.len());
                if line == h.delim.as_slice() {
                    body_end = line_start;
                    break;
                }
            }
            if h.script {
                if let Some(body) = src.get(body_start..body_end) {
                    parse_script(body, self.depth + 1, self.runs);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Words of one simple command.
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::super::tests::check;

    #[test]
    fn shell_structure_splits_quotes_and_nests() {
        check(&[
            ("cargo test && cargo clippy", [1, 1, 0]),
            ("cargo build; cargo test", [1, 0, 1]),
            ("cargo test 2>&1 | tee log", [1, 0, 0]),
            ("npm test || echo failed", [1, 0, 0]),
            ("(cd web && npm run build)", [0, 0, 1]),
            ("echo $(cargo test)", [1, 0, 0]),
            ("echo \"cargo test\"", [0, 0, 0]),
            ("git commit -m \"fix tests\"", [0, 0, 0]),
            ("bash -c 'pytest -q && ruff check .'", [1, 1, 0]),
            ("cat <<EOF\ncargo test\nEOF", [0, 0, 0]),
            ("bash <<EOF\ncargo test\nEOF", [1, 0, 0]),
            ("# cargo test", [0, 0, 0]),
            ("cargo test \\\n  --all", [1, 0, 0]),
            ("f() { cargo test; }; f; f", [1, 0, 0]),
            ("for t in a b; do echo $t; done", [0, 0, 0]),
            ("{ cargo build; cargo test; }", [1, 0, 1]),
            ("cargo test & cargo build", [1, 0, 1]),
            ("grep -r test .", [0, 0, 0]),
        ]);
    }
}
