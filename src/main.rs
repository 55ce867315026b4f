//! The `gongzhi` binary: serve, migrate, seed, export the schema, and admin
//! tasks. `gongzhi` with no subcommand serves.

// Release builds of a binary that links the whole schema need a deeper
// trait-query limit than the default 128 (async-graphql's nested futures
// grew with the per-kind `visible` functions, issue 24).
#![recursion_limit = "256"]

use std::path::PathBuf;

use anyhow::{Context, bail};
use api::accounts::service::{self as accounts, NewAccount, NewApiClient, ScopeInput};
use api::auth::Principal;
use api::{AppState, Config, Db};
use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(name = "gongzhi", version, about = "共治 Gongzhi: GraphQL backend for community co-governance")]
struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate, seed demo data if enabled and the database is empty, and serve (default).
    Serve,
    /// Apply pending migrations.
    Migrate,
    /// Seed data.
    Seed {
        /// The demo dataset (skipped if the database already has regions).
        #[arg(long)]
        demo: bool,
    },
    /// Print the GraphQL SDL (the whole schema, or what one kind of caller
    /// sees with --role), or with --check compare the files with the code:
    /// `schema.graphql` and every `schema/<kind>.graphql` beside it.
    #[command(alias = "schema")]
    ExportSchema {
        /// Fail if a file differs from the code's schema.
        #[arg(long)]
        check: bool,
        /// Write the whole schema and every kind's to their files.
        #[arg(long, conflicts_with = "check")]
        write: bool,
        /// One kind of caller: anonymous, person, resident, building-head,
        /// committee, office, ngo-staff, property-staff, platform-admin,
        /// district-system, ngo-system (or a role's wire name, RESIDENT ...).
        #[arg(long)]
        role: Option<String>,
        /// The schema file; the per-kind files are in `schema/` beside it.
        #[arg(long, default_value = "schema.graphql")]
        path: PathBuf,
    },
    /// Create an account with one membership.
    CreateAccount {
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: String,
        /// Password (or GONGZHI_NEW_PASSWORD).
        #[arg(long, env = "GONGZHI_NEW_PASSWORD", hide_env_values = true)]
        password: String,
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        real_name: Option<String>,
        #[arg(long, value_enum)]
        role: CliRole,
        #[command(flatten)]
        scope: CliScope,
    },
    /// Create an API client; prints its client id and secret once.
    CreateApiClient {
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: CliRole,
        #[command(flatten)]
        scope: CliScope,
    },
}

#[derive(clap::Args)]
struct CliScope {
    /// Region id (community for committees, street/district for offices and district systems).
    #[arg(long)]
    region_id: Option<i32>,
    /// Building id (residents, building heads).
    #[arg(long)]
    building_id: Option<i32>,
    /// Organisation id.
    #[arg(long)]
    organisation_id: Option<i32>,
}

impl From<CliScope> for ScopeInput {
    fn from(s: CliScope) -> Self {
        ScopeInput {
            region_id: s.region_id,
            building_id: s.building_id,
            organisation_id: s.organisation_id,
            ..Default::default()
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum CliRole {
    Resident,
    BuildingHead,
    CommunityCommittee,
    GovernmentOffice,
    SocialOrganization,
    PropertyCompany,
    DistrictSystem,
    PlatformAdmin,
}

impl From<CliRole> for entity::enums::Role {
    fn from(r: CliRole) -> Self {
        use entity::enums::Role::*;
        match r {
            CliRole::Resident => Resident,
            CliRole::BuildingHead => BuildingHead,
            CliRole::CommunityCommittee => CommunityCommittee,
            CliRole::GovernmentOffice => GovernmentOffice,
            CliRole::SocialOrganization => SocialOrganization,
            CliRole::PropertyCompany => PropertyCompany,
            CliRole::DistrictSystem => DistrictSystem,
            CliRole::PlatformAdmin => PlatformAdmin,
        }
    }
}

fn api_err(e: api::error::ApiError) -> anyhow::Error {
    anyhow::anyhow!("{}: {:?}", e.code(), e)
}

async fn connect(config: &Config) -> anyhow::Result<Db> {
    let db = Db::connect(config).await.context("connecting to the database")?;
    db.migrate().await.context("migrating the database")?;
    Ok(db)
}

/// Worker threads get 8 MiB of stack instead of tokio's 2 MiB: headroom for
/// the GraphQL parser and validator, which recurse (request screening bounds
/// the nesting they can see; this is the margin on top of that bound).
const WORKER_STACK_BYTES: usize = 8 * 1024 * 1024;

fn main() -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(WORKER_STACK_BYTES)
        .build()
        .context("starting the async runtime")?
        .block_on(run())
}

/// Every schema file and what the code says it should hold.
async fn schema_files(path: &std::path::Path) -> anyhow::Result<Vec<(PathBuf, String)>> {
    let dir = path.parent().unwrap_or(std::path::Path::new(".")).join("schema");
    let mut files = vec![(path.to_path_buf(), api::schema::sdl())];
    for a in api::audience::Audience::ALL {
        let sdl = api::schema::sdl_for(a).await.map_err(anyhow::Error::msg)?;
        files.push((dir.join(format!("{}.graphql", a.name())), sdl));
    }
    // The README's table of who sees which root field.
    let readme = path.parent().unwrap_or(std::path::Path::new(".")).join("README.md");
    let text = std::fs::read_to_string(&readme).with_context(|| format!("reading {}", readme.display()))?;
    let table = api::schema::roles_table().await.map_err(anyhow::Error::msg)?;
    let Some(text) = api::schema::with_roles_table(&text, &table) else {
        bail!("{} has no roles table markers", readme.display())
    };
    // And its personal-data table, from the privacy catalogue.
    let Some(text) = api::privacy::catalogue::with_table(&text) else {
        bail!("{} has no personal-data table markers", readme.display())
    };
    files.push((readme, text));
    Ok(files)
}

async fn export_schema(check: bool, write: bool, role: Option<String>, path: &std::path::Path) -> anyhow::Result<()> {
    if let Some(role) = role {
        let Some(a) = api::audience::Audience::parse(&role) else { bail!("unknown role {role}") };
        print!("{}", api::schema::sdl_for(a).await.map_err(anyhow::Error::msg)?);
        return Ok(());
    }
    if !check && !write {
        print!("{}", api::schema::sdl());
        return Ok(());
    }
    for (file, sdl) in schema_files(path).await? {
        if write {
            if let Some(dir) = file.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(&file, sdl)?;
            continue;
        }
        let on_disk = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
        if on_disk != sdl {
            bail!("{} is out of date: run `cargo run -- export-schema --write`", file.display());
        }
        println!("{} matches the code", file.display());
    }
    Ok(())
}

async fn run() -> anyhow::Result<()> {
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    api::telemetry::init(cli.config.production);
    let config = cli.config;
    match cli.command.unwrap_or(Command::Serve) {
        Command::ExportSchema { check, write, role, path } => export_schema(check, write, role, &path).await?,
        Command::Migrate => {
            connect(&config).await?;
            println!("migrations applied");
        }
        Command::Seed { demo } => {
            if !demo {
                bail!("nothing to seed: pass --demo");
            }
            let db = connect(&config).await?;
            let seeded = api::seed::seed_demo(&db).await.map_err(api_err)?;
            println!("{}", if seeded { "demo data seeded" } else { "database not empty; nothing seeded" });
        }
        Command::CreateAccount { username, display_name, password, phone, real_name, role, scope } => {
            let db = connect(&config).await?;
            let sys = Principal::system();
            let a =
                accounts::create_account(&db, &sys, NewAccount { username, display_name, real_name, phone, password })
                    .await
                    .map_err(api_err)?;
            let m = accounts::add_membership(&db, &sys, a.id, role.into(), scope.into()).await.map_err(api_err)?;
            println!("account {} created with membership {}", a.id, m.id);
        }
        Command::CreateApiClient { name, role, scope } => {
            let db = connect(&config).await?;
            let new = NewApiClient { name, role: role.into(), scope: scope.into() };
            let (c, secret) = accounts::create_api_client(&db, &Principal::system(), new).await.map_err(api_err)?;
            println!("client_id={}\nclient_secret={secret}\n(the secret is shown only now)", c.client_id);
        }
        Command::Serve => serve(config).await?,
    }
    Ok(())
}

async fn serve(mut config: Config) -> anyhow::Result<()> {
    config.validate().map_err(anyhow::Error::msg)?;
    config.resolve_jwt_secret().with_context(|| format!("keeping a JWT secret in {}", config.data_dir.display()))?;
    let db = connect(&config).await?;
    let seeded = if config.seed_demo_enabled() { api::seed::seed_demo(&db).await.map_err(api_err)? } else { false };
    let listener =
        tokio::net::TcpListener::bind(config.bind).await.with_context(|| format!("binding {}", config.bind))?;
    let addr = listener.local_addr()?;
    let graphiql = config.graphiql_enabled();
    if config.production {
        // In production stdout carries JSON log lines only.
        tracing::info!(address = %addr, graphiql, "listening");
    } else {
        print_banner(&addr.to_string(), graphiql, seeded || demo_present(&db).await);
    }
    api::http::serve(listener, AppState::new(db, config), api::http::shutdown_signal()).await?;
    Ok(())
}

async fn demo_present(db: &Db) -> bool {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    entity::account::Entity::find()
        .filter(entity::account::Column::Username.eq("demo-admin"))
        .one(&db.read)
        .await
        .ok()
        .flatten()
        .is_some()
}

fn print_banner(addr: &str, graphiql: bool, demo: bool) {
    println!("Gongzhi 共治 listening on http://{addr}");
    println!("  GraphQL:  http://{addr}/graphql");
    if graphiql {
        println!("  GraphiQL: http://{addr}/");
    }
    if demo {
        println!("Demo logins (password `{}`):", api::seed::DEMO_PASSWORD);
        for (user, what) in api::seed::DEMO_ACCOUNTS {
            println!("  {user:<22} {what}");
        }
        println!("Demo API clients (POST /oauth/token, grant_type=client_credentials):");
        for (id, secret, what) in api::seed::DEMO_CLIENTS {
            println!("  {id:<22} secret `{secret}`: {what}");
        }
    }
}
