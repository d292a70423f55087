using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Portal.Migrations.PostgreSql.Migrations
{
    /// <inheritdoc />
    public partial class SpendWarnings : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "SpendWarnings",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    TenantId = table.Column<Guid>(type: "uuid", nullable: false),
                    MonthStart = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Percent = table.Column<int>(type: "integer", nullable: false),
                    SpentMicros = table.Column<long>(type: "bigint", nullable: false),
                    LimitMicros = table.Column<long>(type: "bigint", nullable: false),
                    ForecastMicros = table.Column<long>(type: "bigint", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    BillingEmail = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    BillingEmailSentAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SpendWarnings", x => x.Id);
                    table.ForeignKey(
                        name: "FK_SpendWarnings_Tenants_TenantId",
                        column: x => x.TenantId,
                        principalTable: "Tenants",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_SpendWarnings_BillingEmailSentAt",
                table: "SpendWarnings",
                column: "BillingEmailSentAt");

            migrationBuilder.CreateIndex(
                name: "IX_SpendWarnings_TenantId_MonthStart_Percent",
                table: "SpendWarnings",
                columns: new[] { "TenantId", "MonthStart", "Percent" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "SpendWarnings");
        }
    }
}
