//! PostgreSQL isolation, checked in the database itself as the app role: with two organizations'
//! data present, no query sees or changes the other's rows, nothing is visible with no org set, and
//! every tenant table (and partition) has row-level security enabled and forced.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use axum::http::Method;
use common::{summary, v, Kind, PgDb};
use prompt1_server::schema::{SESSION_PARTITIONS, TENANT_TABLES};
use serde_json::json;
use sqlx::{Connection, Executor, PgConnection, Row};

async fn two_orgs() -> Option<(common::TestServer, String, String)> {
    let s = common::server(Kind::Postgres).await?;
    let (a_admin, _) = s.setup_admin("a@a.test", "admin password 1").await;
    let b = prompt1_server::orgs::create_org_with_admin(&s.state, "Beta", "b@b.test", "admin password 2")
        .await
        .unwrap();
    for (tok, team) in [(&a_admin, "TA"), (&b.access_token, "TB")] {
        let t = s
            .call(
                Method::POST,
                "/api/v1/teams",
                Some(tok),
                Some(json!({"name": team})),
            )
            .await
            .json()["team_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let m = s
            .add_member(tok, &format!("m-{team}@x.test"), "member", Some(&t))
            .await;
        let d = s.device_token(&m).await;
        s.upload(&d, vec![v(&summary(1, 1, 3)), v(&summary(2, 1, 3))])
            .await;
        s.call(
            Method::POST,
            "/api/v1/invites",
            Some(tok),
            Some(json!({"role": "member"})),
        )
        .await;
    }
    let a = s
        .call(Method::GET, "/api/v1/me", Some(&a_admin), None)
        .await
        .json()["org_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = s
        .call(Method::GET, "/api/v1/me", Some(&b.access_token), None)
        .await
        .json()["org_id"]
        .as_str()
        .unwrap()
        .to_owned();
    Some((s, a, b))
}

async fn app_conn(pg: &PgDb) -> PgConnection {
    let mut c = PgConnection::connect(&pg.url()).await.unwrap();
    c.execute("SET ROLE prompt1_app").await.unwrap();
    c
}

async fn count(c: &mut PgConnection, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(c)
        .await
        .unwrap()
}

#[tokio::test]
async fn app_role_sees_only_its_org() {
    let Some((s, org_a, org_b)) = two_orgs().await else {
        return;
    };
    let pg = s.pg.as_ref().unwrap();
    let mut c = app_conn(pg).await;

    // No org set: every tenant table looks empty (fail closed), for the parent and each partition.
    for t in TENANT_TABLES {
        assert_eq!(count(&mut c, t).await, 0, "{t} with no org set");
    }
    // Partitions are not even readable directly by the app role (only through the parent).
    for i in 0..SESSION_PARTITIONS {
        let r = sqlx::query(&format!("SELECT count(*) FROM sessions_p{i}"))
            .execute(&mut c)
            .await;
        let denied = matches!(&r, Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42501"));
        assert!(denied, "direct partition access must be denied: {r:?}");
    }
    c.execute("SELECT set_config('app.org_id', '', false)")
        .await
        .unwrap();
    assert_eq!(count(&mut c, "sessions").await, 0, "empty org id");

    for (mine, theirs) in [(&org_a, &org_b), (&org_b, &org_a)] {
        sqlx::query("SELECT set_config('app.org_id', $1, false)")
            .bind(mine)
            .execute(&mut c)
            .await
            .unwrap();
        for t in TENANT_TABLES {
            let other: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {t} WHERE org_id <> $1"))
                .bind(mine)
                .fetch_one(&mut c)
                .await
                .unwrap();
            assert_eq!(other, 0, "{t}: no foreign rows visible");
        }
        assert!(count(&mut c, "sessions").await >= 2, "own rows visible");
        assert!(
            count(&mut c, "user_totals").await >= 1,
            "security_invoker view shows own rows"
        );
        let v: i64 = sqlx::query_scalar("SELECT count(*) FROM user_totals WHERE org_id <> $1")
            .bind(mine)
            .fetch_one(&mut c)
            .await
            .unwrap();
        assert_eq!(v, 0, "the view applies the caller's policies");
        // Writes to the other org's rows touch nothing; inserting into it is refused.
        for t in TENANT_TABLES {
            let n = sqlx::query(&format!("UPDATE {t} SET org_id = org_id WHERE org_id = $1"))
                .bind(theirs)
                .execute(&mut c)
                .await
                .unwrap();
            assert_eq!(n.rows_affected(), 0, "{t}: update of foreign rows");
            let n = sqlx::query(&format!("DELETE FROM {t} WHERE org_id = $1"))
                .bind(theirs)
                .execute(&mut c)
                .await
                .unwrap();
            assert_eq!(n.rows_affected(), 0, "{t}: delete of foreign rows");
        }
        let r = sqlx::query("INSERT INTO teams (org_id, team_id, name, created_at) VALUES ($1, 'x', 'x', 0)")
            .bind(theirs)
            .execute(&mut c)
            .await;
        assert!(r.is_err(), "insert into another org is refused by WITH CHECK");
        let r = sqlx::query("UPDATE teams SET org_id = $1")
            .bind(theirs)
            .execute(&mut c)
            .await;
        assert!(r.is_err(), "moving own rows into another org is refused");
    }

    // Nothing was lost by the attempts above: both orgs still have their data (seen as owner).
    let mut owner = PgConnection::connect(&pg.url()).await.unwrap();
    for org in [&org_a, &org_b] {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions WHERE org_id = $1")
            .bind(org)
            .fetch_one(&mut owner)
            .await
            .unwrap();
        assert_eq!(n, 2);
    }
    // The app role cannot switch RLS off, drop policies, or touch the migrations table. (It is
    // entered with SET LOCAL ROLE from the connecting user, so it guards against application bugs
    // such as a missing org filter, not against arbitrary SQL on that connection.)
    let mut c = app_conn(pg).await;
    assert!(c
        .execute("ALTER TABLE sessions DISABLE ROW LEVEL SECURITY")
        .await
        .is_err());
    assert!(c.execute("DROP POLICY org_isolation ON teams").await.is_err());
    assert!(c.execute("SELECT * FROM schema_migrations").await.is_err());
}

#[tokio::test]
async fn every_tenant_table_has_forced_rls_and_the_role_is_powerless() {
    let Some(pg) = PgDb::create().await else { return };
    let state = prompt1_server::build_state(prompt1_server::config::Config {
        database_url: Some(prompt1_server::config::Secret(pg.url())),
        jwt_secret: Some(prompt1_server::config::Secret(common::TEST_JWT_SECRET.into())),
        ..Default::default()
    })
    .await
    .unwrap();
    let mut c = PgConnection::connect(&pg.url()).await.unwrap();
    let mut tables: Vec<String> = TENANT_TABLES.iter().map(|t| t.to_string()).collect();
    tables.extend((0..SESSION_PARTITIONS).map(|i| format!("sessions_p{i}")));
    for t in &tables {
        let row = sqlx::query(
            "SELECT c.relrowsecurity, c.relforcerowsecurity, pg_get_userbyid(c.relowner) AS owner,
                    (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
             FROM pg_class c WHERE c.relname = $1 AND c.relnamespace = 'public'::regnamespace",
        )
        .bind(t)
        .fetch_one(&mut c)
        .await
        .unwrap();
        assert!(row.get::<bool, _>(0), "{t}: RLS enabled");
        assert!(row.get::<bool, _>(1), "{t}: RLS forced");
        assert_ne!(
            row.get::<String, _>(2),
            "prompt1_app",
            "{t}: not owned by the app role"
        );
        assert!(row.get::<i64, _>(3) >= 1, "{t}: has a policy");
        // Every tenant table's key starts with org_id.
        let first: String = sqlx::query_scalar(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
             WHERE i.indrelid = $1::regclass AND i.indisprimary",
        )
        .bind(t)
        .fetch_one(&mut c)
        .await
        .unwrap();
        assert_eq!(first, "org_id", "{t}: primary key starts with org_id");
    }
    // Tables the migrations made that are not tenant tables are only the global ones.
    let all: Vec<String> = sqlx::query_scalar(
        "SELECT relname::text FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') ORDER BY 1",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    let global = [
        "auth_sessions",
        "device_logins",
        "refresh_tokens",
        "schema_migrations",
        "settings",
        "users",
    ];
    for t in all {
        assert!(
            tables.contains(&t) || global.contains(&t.as_str()),
            "unclassified table {t}"
        );
    }
    let (bypass, superuser, partitioned): (bool, bool, String) = sqlx::query_as(
        "SELECT r.rolbypassrls, r.rolsuper, (SELECT partstrat::text FROM pg_partitioned_table WHERE partrelid = 'sessions'::regclass)
         FROM pg_roles r WHERE r.rolname = 'prompt1_app'",
    )
    .fetch_one(&mut c)
    .await
    .unwrap();
    assert!(!bypass && !superuser);
    assert_eq!(partitioned, "h", "sessions is hash-partitioned");
    let invoker: Vec<String> =
        sqlx::query_scalar("SELECT unnest(reloptions) FROM pg_class WHERE relname = 'user_totals'")
            .fetch_all(&mut c)
            .await
            .unwrap();
    assert!(invoker.iter().any(|o| o == "security_invoker=true"));
    // Requests run as the app role even though DATABASE_URL names a superuser.
    let mut tx = state.db.begin().await.unwrap();
    let prompt1_server::db::Conn::Pg(c) = &mut tx.conn else {
        panic!("a PostgreSQL state opens PostgreSQL transactions")
    };
    let who: String = sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(&mut **c)
        .await
        .unwrap();
    assert_eq!(who, "prompt1_app");
    drop(tx);
    // Migrating again is a no-op.
    state.db.migrate().await.unwrap();
    state.db.close().await;
}
