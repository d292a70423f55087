using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class TenantVerification : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "Verified",
                table: "Tenants",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            // Organisations that exist already were leasing under the verified defaults: they stay verified, so nothing
            // that works breaks. Organisations created from now on start unverified.
            migrationBuilder.Sql("UPDATE \"Tenants\" SET \"Verified\" = 1");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Verified",
                table: "Tenants");
        }
    }
}
