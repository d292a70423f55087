using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Portal.Migrations.PostgreSql.Migrations
{
    /// <inheritdoc />
    public partial class Leases : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "SpendLimitMicros",
                table: "Tenants",
                type: "bigint",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "CapacityPools",
                columns: table => new
                {
                    RegionId = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    SkuId = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    Version = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CapacityPools", x => new { x.RegionId, x.SkuId });
                });

            migrationBuilder.CreateTable(
                name: "GpuQuotas",
                columns: table => new
                {
                    TenantId = table.Column<Guid>(type: "uuid", nullable: false),
                    SkuId = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    MaxGpus = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_GpuQuotas", x => new { x.TenantId, x.SkuId });
                });

            migrationBuilder.CreateTable(
                name: "Leases",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    TenantId = table.Column<Guid>(type: "uuid", nullable: false),
                    RegionId = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    SkuId = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    Gpus = table.Column<int>(type: "integer", nullable: false),
                    Start = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    End = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    State = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Degraded = table.Column<bool>(type: "boolean", nullable: false),
                    HoldExpiresAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    OnDemandMicrosPerGpuHour = table.Column<long>(type: "bigint", nullable: false),
                    DiscountBasisPoints = table.Column<int>(type: "integer", nullable: false),
                    MicrosPerGpuHour = table.Column<long>(type: "bigint", nullable: false),
                    PriceMicros = table.Column<long>(type: "bigint", nullable: false),
                    NeedsApproval = table.Column<bool>(type: "boolean", nullable: false),
                    QuoteKey = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    SignKey = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    CreatedByUserId = table.Column<string>(type: "character varying(450)", maxLength: 450, nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    SignerUserId = table.Column<string>(type: "character varying(450)", maxLength: 450, nullable: true),
                    SignerName = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    SignedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    SignerIp = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    SignerUserAgent = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: true),
                    AgreementVersion = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: true),
                    AgreementSha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    DecidedBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    DecidedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    DecisionReason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    ActivatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    EndedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    CancelledAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    ReleasedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    CancellationFeeMicros = table.Column<long>(type: "bigint", nullable: false),
                    CreditMicros = table.Column<long>(type: "bigint", nullable: false),
                    LostGpuHours = table.Column<int>(type: "integer", nullable: false),
                    ProvisionAttempts = table.Column<int>(type: "integer", nullable: false),
                    NextProvisionAttemptAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    FailureReason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    EndingReminderSentAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    Version = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Leases", x => x.Id);
                    table.CheckConstraint("CK_Leases_Gpus", "\"Gpus\" > 0");
                    table.CheckConstraint("CK_Leases_Window", "\"End\" > \"Start\"");
                    table.ForeignKey(
                        name: "FK_Leases_Tenants_TenantId",
                        column: x => x.TenantId,
                        principalTable: "Tenants",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "Notifications",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    TenantId = table.Column<Guid>(type: "uuid", nullable: false),
                    UserId = table.Column<string>(type: "character varying(450)", maxLength: 450, nullable: false),
                    Kind = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    Title = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Body = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    Link = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    ReadAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    EmailedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Notifications", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Allocations",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    LeaseId = table.Column<Guid>(type: "uuid", nullable: false),
                    AmendmentId = table.Column<Guid>(type: "uuid", nullable: true),
                    NodeId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    RegionId = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    SkuId = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    Gpus = table.Column<int>(type: "integer", nullable: false),
                    Start = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    End = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    HoldExpiresAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    ReservedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    PoolReleasedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    ReplacesId = table.Column<Guid>(type: "uuid", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Allocations", x => x.Id);
                    table.CheckConstraint("CK_Allocations_Gpus", "\"Gpus\" > 0");
                    table.CheckConstraint("CK_Allocations_Window", "\"End\" > \"Start\"");
                    table.ForeignKey(
                        name: "FK_Allocations_Leases_LeaseId",
                        column: x => x.LeaseId,
                        principalTable: "Leases",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_Allocations_Nodes_NodeId",
                        column: x => x.NodeId,
                        principalTable: "Nodes",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "LeaseAmendments",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    TenantId = table.Column<Guid>(type: "uuid", nullable: false),
                    LeaseId = table.Column<Guid>(type: "uuid", nullable: false),
                    OldEnd = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    NewEnd = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    State = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    HoldExpiresAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    OnDemandMicrosPerGpuHour = table.Column<long>(type: "bigint", nullable: false),
                    DiscountBasisPoints = table.Column<int>(type: "integer", nullable: false),
                    MicrosPerGpuHour = table.Column<long>(type: "bigint", nullable: false),
                    PriceMicros = table.Column<long>(type: "bigint", nullable: false),
                    QuoteKey = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    SignKey = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    SignerUserId = table.Column<string>(type: "character varying(450)", maxLength: 450, nullable: true),
                    SignerName = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    SignedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    SignerIp = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    SignerUserAgent = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: true),
                    AgreementVersion = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: true),
                    AgreementSha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LeaseAmendments", x => x.Id);
                    table.ForeignKey(
                        name: "FK_LeaseAmendments_Leases_LeaseId",
                        column: x => x.LeaseId,
                        principalTable: "Leases",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "LeaseDocuments",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    TenantId = table.Column<Guid>(type: "uuid", nullable: false),
                    LeaseId = table.Column<Guid>(type: "uuid", nullable: false),
                    AmendmentId = table.Column<Guid>(type: "uuid", nullable: true),
                    FileName = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Content = table.Column<byte[]>(type: "bytea", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LeaseDocuments", x => x.Id);
                    table.ForeignKey(
                        name: "FK_LeaseDocuments_Leases_LeaseId",
                        column: x => x.LeaseId,
                        principalTable: "Leases",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "LeaseEvents",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    TenantId = table.Column<Guid>(type: "uuid", nullable: false),
                    LeaseId = table.Column<Guid>(type: "uuid", nullable: false),
                    At = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    State = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Message = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    Actor = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LeaseEvents", x => x.Id);
                    table.ForeignKey(
                        name: "FK_LeaseEvents_Leases_LeaseId",
                        column: x => x.LeaseId,
                        principalTable: "Leases",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Allocations_LeaseId",
                table: "Allocations",
                column: "LeaseId");

            migrationBuilder.CreateIndex(
                name: "IX_Allocations_NodeId_Start",
                table: "Allocations",
                columns: new[] { "NodeId", "Start" });

            migrationBuilder.CreateIndex(
                name: "IX_Allocations_RegionId_SkuId_Status_End",
                table: "Allocations",
                columns: new[] { "RegionId", "SkuId", "Status", "End" });

            migrationBuilder.CreateIndex(
                name: "IX_LeaseAmendments_LeaseId",
                table: "LeaseAmendments",
                column: "LeaseId");

            migrationBuilder.CreateIndex(
                name: "IX_LeaseAmendments_TenantId_QuoteKey",
                table: "LeaseAmendments",
                columns: new[] { "TenantId", "QuoteKey" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_LeaseAmendments_TenantId_SignKey",
                table: "LeaseAmendments",
                columns: new[] { "TenantId", "SignKey" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_LeaseDocuments_LeaseId",
                table: "LeaseDocuments",
                column: "LeaseId");

            migrationBuilder.CreateIndex(
                name: "IX_LeaseEvents_LeaseId_At",
                table: "LeaseEvents",
                columns: new[] { "LeaseId", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_Leases_State_Start",
                table: "Leases",
                columns: new[] { "State", "Start" });

            migrationBuilder.CreateIndex(
                name: "IX_Leases_TenantId_QuoteKey",
                table: "Leases",
                columns: new[] { "TenantId", "QuoteKey" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Leases_TenantId_SignKey",
                table: "Leases",
                columns: new[] { "TenantId", "SignKey" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Leases_TenantId_State",
                table: "Leases",
                columns: new[] { "TenantId", "State" });

            migrationBuilder.CreateIndex(
                name: "IX_Notifications_EmailedAt",
                table: "Notifications",
                column: "EmailedAt");

            migrationBuilder.CreateIndex(
                name: "IX_Notifications_TenantId_UserId_ReadAt",
                table: "Notifications",
                columns: new[] { "TenantId", "UserId", "ReadAt" });
            // The invariant, checked by the database itself (behind the pool-row lock that serialises
            // writers): on every node at every hour, unreleased allocations take at most the node's GPUs.
            migrationBuilder.Sql("""
                CREATE FUNCTION allocations_no_overbook() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE capacity integer;
                BEGIN
                    IF NEW."Status" = 'Released' THEN RETURN NEW; END IF;
                    IF TG_OP = 'UPDATE' AND OLD."Status" <> 'Released' AND NEW."NodeId" = OLD."NodeId"
                       AND NEW."Start" >= OLD."Start" AND NEW."End" <= OLD."End" AND NEW."Gpus" <= OLD."Gpus" THEN
                        RETURN NEW;
                    END IF;
                    SELECT "GpuCount" INTO capacity FROM "Nodes" WHERE "Id" = NEW."NodeId";
                    IF EXISTS (
                        SELECT 1 FROM (
                            SELECT NEW."Start" AS t
                            UNION SELECT a."Start" FROM "Allocations" a
                            WHERE a."NodeId" = NEW."NodeId" AND a."Id" <> NEW."Id" AND a."Status" <> 'Released' AND a."End" > NEW."Start"
                              AND a."Start" > NEW."Start" AND a."Start" < NEW."End") p
                        WHERE NEW."Gpus" + (SELECT COALESCE(SUM(a."Gpus"), 0) FROM "Allocations" a
                            WHERE a."NodeId" = NEW."NodeId" AND a."Id" <> NEW."Id" AND a."Status" <> 'Released' AND a."End" > NEW."Start"
                              AND a."Start" <= p.t AND a."End" > p.t) > capacity)
                    THEN
                        RAISE EXCEPTION 'allocation % would overbook node %', NEW."Id", NEW."NodeId" USING ERRCODE = 'check_violation';
                    END IF;
                    RETURN NEW;
                END $$;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER "TR_Allocations_NoOverbook" BEFORE INSERT OR UPDATE ON "Allocations"
                FOR EACH ROW EXECUTE FUNCTION allocations_no_overbook();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {

            migrationBuilder.Sql("DROP TRIGGER IF EXISTS \"TR_Allocations_NoOverbook\" ON \"Allocations\";");
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS allocations_no_overbook();");

            
            migrationBuilder.DropTable(
                name: "Allocations");

            migrationBuilder.DropTable(
                name: "CapacityPools");

            migrationBuilder.DropTable(
                name: "GpuQuotas");

            migrationBuilder.DropTable(
                name: "LeaseAmendments");

            migrationBuilder.DropTable(
                name: "LeaseDocuments");

            migrationBuilder.DropTable(
                name: "LeaseEvents");

            migrationBuilder.DropTable(
                name: "Notifications");

            migrationBuilder.DropTable(
                name: "Leases");

            migrationBuilder.DropColumn(
                name: "SpendLimitMicros",
                table: "Tenants");
        }
    }
}
