using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Migrations.Sqlite.Migrations
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
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "CapacityPools",
                columns: table => new
                {
                    RegionId = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    SkuId = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Version = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CapacityPools", x => new { x.RegionId, x.SkuId });
                });

            migrationBuilder.CreateTable(
                name: "GpuQuotas",
                columns: table => new
                {
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    SkuId = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    MaxGpus = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_GpuQuotas", x => new { x.TenantId, x.SkuId });
                });

            migrationBuilder.CreateTable(
                name: "Leases",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    RegionId = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    SkuId = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Gpus = table.Column<int>(type: "INTEGER", nullable: false),
                    Start = table.Column<DateTime>(type: "TEXT", nullable: false),
                    End = table.Column<DateTime>(type: "TEXT", nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Degraded = table.Column<bool>(type: "INTEGER", nullable: false),
                    HoldExpiresAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    OnDemandMicrosPerGpuHour = table.Column<long>(type: "INTEGER", nullable: false),
                    DiscountBasisPoints = table.Column<int>(type: "INTEGER", nullable: false),
                    MicrosPerGpuHour = table.Column<long>(type: "INTEGER", nullable: false),
                    PriceMicros = table.Column<long>(type: "INTEGER", nullable: false),
                    NeedsApproval = table.Column<bool>(type: "INTEGER", nullable: false),
                    QuoteKey = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    SignKey = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    CreatedByUserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    SignerUserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: true),
                    SignerName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    SignedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    SignerIp = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    SignerUserAgent = table.Column<string>(type: "TEXT", maxLength: 512, nullable: true),
                    AgreementVersion = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    AgreementSha256 = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    DecidedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    DecidedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    DecisionReason = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    ActivatedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    EndedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    CancelledAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    ReleasedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    CancellationFeeMicros = table.Column<long>(type: "INTEGER", nullable: false),
                    CreditMicros = table.Column<long>(type: "INTEGER", nullable: false),
                    LostGpuHours = table.Column<int>(type: "INTEGER", nullable: false),
                    ProvisionAttempts = table.Column<int>(type: "INTEGER", nullable: false),
                    NextProvisionAttemptAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    FailureReason = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    EndingReminderSentAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    Version = table.Column<int>(type: "INTEGER", nullable: false)
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
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    UserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Title = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Body = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    Link = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ReadAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    EmailedAt = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Notifications", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Allocations",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    LeaseId = table.Column<Guid>(type: "TEXT", nullable: false),
                    AmendmentId = table.Column<Guid>(type: "TEXT", nullable: true),
                    NodeId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    RegionId = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    SkuId = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Gpus = table.Column<int>(type: "INTEGER", nullable: false),
                    Start = table.Column<DateTime>(type: "TEXT", nullable: false),
                    End = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    HoldExpiresAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    ReservedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    PoolReleasedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    ReplacesId = table.Column<Guid>(type: "TEXT", nullable: true)
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
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    LeaseId = table.Column<Guid>(type: "TEXT", nullable: false),
                    OldEnd = table.Column<DateTime>(type: "TEXT", nullable: false),
                    NewEnd = table.Column<DateTime>(type: "TEXT", nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    HoldExpiresAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    OnDemandMicrosPerGpuHour = table.Column<long>(type: "INTEGER", nullable: false),
                    DiscountBasisPoints = table.Column<int>(type: "INTEGER", nullable: false),
                    MicrosPerGpuHour = table.Column<long>(type: "INTEGER", nullable: false),
                    PriceMicros = table.Column<long>(type: "INTEGER", nullable: false),
                    QuoteKey = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    SignKey = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    SignerUserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: true),
                    SignerName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    SignedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    SignerIp = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    SignerUserAgent = table.Column<string>(type: "TEXT", maxLength: 512, nullable: true),
                    AgreementVersion = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    AgreementSha256 = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true)
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
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    LeaseId = table.Column<Guid>(type: "TEXT", nullable: false),
                    AmendmentId = table.Column<Guid>(type: "TEXT", nullable: true),
                    FileName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Sha256 = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Content = table.Column<byte[]>(type: "BLOB", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
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
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    LeaseId = table.Column<Guid>(type: "TEXT", nullable: false),
                    At = table.Column<DateTime>(type: "TEXT", nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Message = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    Actor = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true)
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
            // The invariant, checked by the database itself: on every node at every hour, unreleased
            // allocations take at most the node's GPUs. The peak of overlapping windows is at one of their
            // starts, so checking the new row's start and the starts inside its window suffices.
            migrationBuilder.Sql("""
                CREATE TRIGGER "TR_Allocations_NoOverbook_Insert" BEFORE INSERT ON "Allocations"
                WHEN NEW."Status" <> 'Released'
                BEGIN
                    SELECT RAISE(ABORT, 'allocation would overbook node')
                    WHERE EXISTS (
                        SELECT 1 FROM (
                            SELECT NEW."Start" AS t
                            UNION SELECT a."Start" FROM "Allocations" a
                            WHERE a."NodeId" = NEW."NodeId" AND a."Status" <> 'Released' AND a."End" > NEW."Start"
                              AND a."Start" > NEW."Start" AND a."Start" < NEW."End") p
                        WHERE NEW."Gpus" + (SELECT COALESCE(SUM(a."Gpus"), 0) FROM "Allocations" a
                            WHERE a."NodeId" = NEW."NodeId" AND a."Status" <> 'Released' AND a."End" > NEW."Start"
                              AND a."Start" <= p.t AND a."End" > p.t)
                          > (SELECT "GpuCount" FROM "Nodes" WHERE "Id" = NEW."NodeId"));
                END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER "TR_Allocations_NoOverbook_Update" BEFORE UPDATE ON "Allocations"
                WHEN NEW."Status" <> 'Released' AND (OLD."Status" = 'Released' OR NEW."NodeId" <> OLD."NodeId"
                    OR NEW."Start" < OLD."Start" OR NEW."End" > OLD."End" OR NEW."Gpus" > OLD."Gpus")
                BEGIN
                    SELECT RAISE(ABORT, 'allocation would overbook node')
                    WHERE EXISTS (
                        SELECT 1 FROM (
                            SELECT NEW."Start" AS t
                            UNION SELECT a."Start" FROM "Allocations" a
                            WHERE a."NodeId" = NEW."NodeId" AND a."Id" <> NEW."Id" AND a."Status" <> 'Released' AND a."End" > NEW."Start"
                              AND a."Start" > NEW."Start" AND a."Start" < NEW."End") p
                        WHERE NEW."Gpus" + (SELECT COALESCE(SUM(a."Gpus"), 0) FROM "Allocations" a
                            WHERE a."NodeId" = NEW."NodeId" AND a."Id" <> NEW."Id" AND a."Status" <> 'Released' AND a."End" > NEW."Start"
                              AND a."Start" <= p.t AND a."End" > p.t)
                          > (SELECT "GpuCount" FROM "Nodes" WHERE "Id" = NEW."NodeId"));
                END;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {

            migrationBuilder.Sql("DROP TRIGGER IF EXISTS \"TR_Allocations_NoOverbook_Insert\";");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS \"TR_Allocations_NoOverbook_Update\";");

            
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
