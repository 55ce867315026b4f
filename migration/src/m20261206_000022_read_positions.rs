//! Read-your-writes across API processes (issue 28): each principal's last
//! write position on the primary, read by every process before it sends a
//! query of that principal to a standby (see `api::db::cluster`).
//!
//! UNLOGGED on PostgreSQL: a position is written after every mutation when
//! there are standbys, and a logged row would cost WAL, replication traffic
//! and, with synchronous replication, a second wait for the standby per
//! mutation. What an unlogged table loses (its rows, at a crash or on a
//! promoted standby) the router covers with a floor at failover. SQLite has
//! no standbys and no such table.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNLOGGED TABLE read_positions (\
                   principal varchar(24) PRIMARY KEY, \
                   lsn bigint NOT NULL CHECK (lsn >= 0), \
                   at timestamptz NOT NULL DEFAULT now())",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        manager.get_connection().execute_unprepared("DROP TABLE read_positions").await?;
        Ok(())
    }
}
