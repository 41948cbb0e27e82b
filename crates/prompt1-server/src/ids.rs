//! Typed identifiers: organizations, teams, users and devices.
//!
//! Why newtypes: "passed a team id where a user id was due" becomes a compile error, and a value
//! is checked once, where it enters (a path parameter, a JSON body, a database row), so the rest of
//! the code holds ids that cannot be malformed. Every id is 128 random bits written as 32 lowercase
//! hex digits. A path parameter that is not one answers 404, like an id that names nothing.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An identifier was not 32 lowercase hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not an id (32 lowercase hex digits)")]
pub struct BadId;

fn well_formed(s: &str) -> bool {
    s.len() == 32
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// 128 random bits as 32 hex digits.
pub(crate) fn random_hex_id() -> String {
    let mut b = [0u8; 16];
    // The OS generator failing is unrecoverable for a server minting ids.
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut b).expect("operating system random generator");
    hex::encode(b)
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(try_from = "String", into = "String")]
        #[schema(value_type = String, example = "0123456789abcdef0123456789abcdef")]
        pub struct $name(String);

        impl $name {
            /// Checks the shape (32 lowercase hex digits).
            pub fn parse(s: &str) -> Result<Self, BadId> {
                if well_formed(s) {
                    Ok(Self(s.to_owned()))
                } else {
                    Err(BadId)
                }
            }
            /// A fresh random id.
            pub fn generate() -> Self {
                Self(random_hex_id())
            }
            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = BadId;
            fn from_str(s: &str) -> Result<Self, BadId> {
                Self::parse(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = BadId;
            fn try_from(s: String) -> Result<Self, BadId> {
                if well_formed(&s) {
                    Ok(Self(s))
                } else {
                    Err(BadId)
                }
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl<DB: sqlx::Database> sqlx::Type<DB> for $name
        where
            String: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <String as sqlx::Type<DB>>::type_info()
            }
            fn compatible(ty: &DB::TypeInfo) -> bool {
                <String as sqlx::Type<DB>>::compatible(ty)
            }
        }

        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $name
        where
            String: sqlx::Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <String as sqlx::Encode<'q, DB>>::encode_by_ref(&self.0, buf)
            }
        }

        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $name
        where
            String: sqlx::Decode<'r, DB>,
        {
            fn decode(
                value: <DB as sqlx::Database>::ValueRef<'r>,
            ) -> Result<Self, sqlx::error::BoxDynError> {
                let s = <String as sqlx::Decode<'r, DB>>::decode(value)?;
                Ok(Self::try_from(s)?)
            }
        }
    };
}

id_type!(
    /// An organization (the tenant).
    OrgId
);
id_type!(
    /// A team inside an organization.
    TeamId
);
id_type!(
    /// A person's account.
    UserId
);
id_type!(
    /// A machine approved to upload one person's summaries.
    DeviceId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_32_lowercase_hex_digits_parse() {
        let ok = "0123456789abcdef0123456789abcdef";
        assert_eq!(TeamId::parse(ok).unwrap().as_str(), ok);
        assert_eq!(TeamId::parse(&ok.to_uppercase()), Err(BadId));
        assert_eq!(TeamId::parse(&ok[1..]), Err(BadId));
        assert_eq!(TeamId::parse(&format!("{ok}0")), Err(BadId));
        assert_eq!(TeamId::parse("../../etc/passwd"), Err(BadId));
        assert!(UserId::parse(UserId::generate().as_str()).is_ok());
    }

    #[test]
    fn serde_checks_the_shape_and_writes_a_plain_string() {
        let id: OrgId = serde_json::from_str("\"0123456789abcdef0123456789abcdef\"").unwrap();
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            "\"0123456789abcdef0123456789abcdef\""
        );
        assert!(serde_json::from_str::<OrgId>("\"nope\"").is_err());
    }
}
