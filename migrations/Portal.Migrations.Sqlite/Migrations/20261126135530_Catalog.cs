using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class Catalog : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "GpuSkus",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 120, nullable: false),
                    GpuModel = table.Column<string>(type: "TEXT", maxLength: 80, nullable: false),
                    MemoryGbPerGpu = table.Column<int>(type: "INTEGER", nullable: false),
                    GpusPerNode = table.Column<int>(type: "INTEGER", nullable: false),
                    Interconnect = table.Column<string>(type: "TEXT", maxLength: 120, nullable: false),
                    VcpusPerGpu = table.Column<int>(type: "INTEGER", nullable: false),
                    RamGbPerGpu = table.Column<int>(type: "INTEGER", nullable: false),
                    OnDemandMicrosPerGpuHour = table.Column<long>(type: "INTEGER", nullable: false),
                    RetiredAt = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_GpuSkus", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Regions",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 120, nullable: false),
                    RetiredAt = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Regions", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Models",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 80, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 120, nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Description = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    ContextLength = table.Column<int>(type: "INTEGER", nullable: false),
                    OpenWeights = table.Column<bool>(type: "INTEGER", nullable: false),
                    Licence = table.Column<string>(type: "TEXT", maxLength: 120, nullable: false),
                    InputMicrosPerMillionTokens = table.Column<long>(type: "INTEGER", nullable: false),
                    OutputMicrosPerMillionTokens = table.Column<long>(type: "INTEGER", nullable: false),
                    ServingSkuId = table.Column<string>(type: "TEXT", nullable: false),
                    RetiredAt = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Models", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Models_GpuSkus_ServingSkuId",
                        column: x => x.ServingSkuId,
                        principalTable: "GpuSkus",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "TermDiscounts",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    SkuId = table.Column<string>(type: "TEXT", nullable: false),
                    MinHours = table.Column<int>(type: "INTEGER", nullable: false),
                    BasisPoints = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TermDiscounts", x => x.Id);
                    table.ForeignKey(
                        name: "FK_TermDiscounts_GpuSkus_SkuId",
                        column: x => x.SkuId,
                        principalTable: "GpuSkus",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "Nodes",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    RegionId = table.Column<string>(type: "TEXT", nullable: false),
                    SkuId = table.Column<string>(type: "TEXT", nullable: false),
                    GpuCount = table.Column<int>(type: "INTEGER", nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Nodes", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Nodes_GpuSkus_SkuId",
                        column: x => x.SkuId,
                        principalTable: "GpuSkus",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_Nodes_Regions_RegionId",
                        column: x => x.RegionId,
                        principalTable: "Regions",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "ModelDeployments",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ModelId = table.Column<string>(type: "TEXT", nullable: false),
                    RegionId = table.Column<string>(type: "TEXT", nullable: false),
                    BaseUrl = table.Column<string>(type: "TEXT", maxLength: 400, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ModelDeployments", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ModelDeployments_Models_ModelId",
                        column: x => x.ModelId,
                        principalTable: "Models",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_ModelDeployments_Regions_RegionId",
                        column: x => x.RegionId,
                        principalTable: "Regions",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ModelDeployments_ModelId_RegionId",
                table: "ModelDeployments",
                columns: new[] { "ModelId", "RegionId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ModelDeployments_RegionId",
                table: "ModelDeployments",
                column: "RegionId");

            migrationBuilder.CreateIndex(
                name: "IX_Models_ServingSkuId",
                table: "Models",
                column: "ServingSkuId");

            migrationBuilder.CreateIndex(
                name: "IX_Nodes_RegionId_SkuId",
                table: "Nodes",
                columns: new[] { "RegionId", "SkuId" });

            migrationBuilder.CreateIndex(
                name: "IX_Nodes_SkuId",
                table: "Nodes",
                column: "SkuId");

            migrationBuilder.CreateIndex(
                name: "IX_TermDiscounts_SkuId_MinHours",
                table: "TermDiscounts",
                columns: new[] { "SkuId", "MinHours" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ModelDeployments");

            migrationBuilder.DropTable(
                name: "Nodes");

            migrationBuilder.DropTable(
                name: "TermDiscounts");

            migrationBuilder.DropTable(
                name: "Models");

            migrationBuilder.DropTable(
                name: "Regions");

            migrationBuilder.DropTable(
                name: "GpuSkus");
        }
    }
}
