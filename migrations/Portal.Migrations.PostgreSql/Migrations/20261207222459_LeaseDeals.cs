using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Migrations.PostgreSql.Migrations
{
    /// <inheritdoc />
    public partial class LeaseDeals : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "FreeCancellationHours",
                table: "Leases",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "LateCancellationPercent",
                table: "Leases",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "OfferDueAt",
                table: "Leases",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "ReviewDueAt",
                table: "Leases",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "LeaseOffers",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    TenantId = table.Column<Guid>(type: "uuid", nullable: false),
                    LeaseId = table.Column<Guid>(type: "uuid", nullable: false),
                    State = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Start = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    End = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    MicrosPerGpuHour = table.Column<long>(type: "bigint", nullable: false),
                    PriceMicros = table.Column<long>(type: "bigint", nullable: false),
                    FreeCancellationHours = table.Column<int>(type: "integer", nullable: false),
                    LateCancellationPercent = table.Column<int>(type: "integer", nullable: false),
                    Reason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    ProposedBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    ProposedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    RespondBy = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    AnsweredAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    SignKey = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
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
                    table.PrimaryKey("PK_LeaseOffers", x => x.Id);
                    table.CheckConstraint("CK_LeaseOffers_Rate", "\"MicrosPerGpuHour\" >= 0");
                    table.CheckConstraint("CK_LeaseOffers_Window", "\"End\" > \"Start\"");
                    table.ForeignKey(
                        name: "FK_LeaseOffers_Leases_LeaseId",
                        column: x => x.LeaseId,
                        principalTable: "Leases",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_LeaseOffers_LeaseId",
                table: "LeaseOffers",
                column: "LeaseId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "LeaseOffers");

            migrationBuilder.DropColumn(
                name: "FreeCancellationHours",
                table: "Leases");

            migrationBuilder.DropColumn(
                name: "LateCancellationPercent",
                table: "Leases");

            migrationBuilder.DropColumn(
                name: "OfferDueAt",
                table: "Leases");

            migrationBuilder.DropColumn(
                name: "ReviewDueAt",
                table: "Leases");
        }
    }
}
