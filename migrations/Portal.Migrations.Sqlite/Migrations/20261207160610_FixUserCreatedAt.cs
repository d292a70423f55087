using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class FixUserCreatedAt : Migration
    {
        /// <summary>
        /// Accounts made before registration stamped CreatedAt read 0001-01-01: they get the first thing the log knows of
        /// them (their first audit event, as actor or subject, or their first membership), else the time of this migration.
        /// Data only: no column changes.
        /// </summary>
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                UPDATE "AspNetUsers"
                SET "CreatedAt" = COALESCE(
                    (SELECT MIN(t) FROM (
                        SELECT "At" AS t FROM "AuditEvents"
                        WHERE "ActorUserId" = "AspNetUsers"."Id" OR ("TargetType" = 'User' AND "TargetId" = "AspNetUsers"."Id")
                        UNION ALL
                        SELECT "CreatedAt" AS t FROM "Memberships" WHERE "UserId" = "AspNetUsers"."Id") AS first_seen),
                    strftime('%Y-%m-%d %H:%M:%f', 'now'))
                WHERE "CreatedAt" < '1900-01-01';
                """);
        }

        /// <summary>The dates it wrote are better than 0001-01-01 and cannot be told from real ones: nothing to undo.</summary>
        protected override void Down(MigrationBuilder migrationBuilder)
        {
        }
    }
}
