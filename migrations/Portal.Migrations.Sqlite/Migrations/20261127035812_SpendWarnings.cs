using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Migrations.Sqlite.Migrations
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
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    MonthStart = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Percent = table.Column<int>(type: "INTEGER", nullable: false),
                    SpentMicros = table.Column<long>(type: "INTEGER", nullable: false),
                    LimitMicros = table.Column<long>(type: "INTEGER", nullable: false),
                    ForecastMicros = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    BillingEmail = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    BillingEmailSentAt = table.Column<DateTime>(type: "TEXT", nullable: true)
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
