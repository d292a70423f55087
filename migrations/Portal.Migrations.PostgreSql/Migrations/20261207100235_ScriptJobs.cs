using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Portal.Migrations.PostgreSql.Migrations
{
    /// <inheritdoc />
    public partial class ScriptJobs : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ScriptJobs",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    TenantId = table.Column<Guid>(type: "uuid", nullable: false),
                    LeaseId = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Script = table.Column<string>(type: "text", nullable: false),
                    GpusPerTask = table.Column<int>(type: "integer", nullable: false),
                    TaskCount = table.Column<int>(type: "integer", nullable: false),
                    Priority = table.Column<int>(type: "integer", nullable: false),
                    Sequence = table.Column<long>(type: "bigint", nullable: false),
                    TimeLimitMinutes = table.Column<int>(type: "integer", nullable: true),
                    MaxRetries = table.Column<int>(type: "integer", nullable: false),
                    RetryExitCodes = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    Profile = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    VariablesJson = table.Column<string>(type: "text", nullable: false),
                    SecretsProtected = table.Column<string>(type: "text", nullable: true),
                    InputFilesJson = table.Column<string>(type: "text", nullable: false),
                    State = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Reason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    ExitCode = table.Column<int>(type: "integer", nullable: true),
                    CancelledByUserId = table.Column<string>(type: "character varying(450)", maxLength: 450, nullable: true),
                    CancelledByName = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    LeaseEndSignalledAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    LaunchKey = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    CreatedByUserId = table.Column<string>(type: "character varying(450)", maxLength: 450, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    StartedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    EndedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    GpuSeconds = table.Column<long>(type: "bigint", nullable: false),
                    MeanGpuUtil = table.Column<double>(type: "double precision", nullable: true),
                    PeakFbUsedMiB = table.Column<double>(type: "double precision", nullable: true),
                    IdleGpus = table.Column<int>(type: "integer", nullable: true),
                    SampledGpus = table.Column<int>(type: "integer", nullable: true),
                    LogBytes = table.Column<long>(type: "bigint", nullable: false),
                    LogTruncated = table.Column<bool>(type: "boolean", nullable: false),
                    KeepUntil = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    PurgedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    Version = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ScriptJobs", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ScriptJobs_Leases_LeaseId",
                        column: x => x.LeaseId,
                        principalTable: "Leases",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ScriptJobSamples",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    TenantId = table.Column<Guid>(type: "uuid", nullable: false),
                    JobId = table.Column<Guid>(type: "uuid", nullable: false),
                    TaskIndex = table.Column<int>(type: "integer", nullable: false),
                    GpuIndex = table.Column<int>(type: "integer", nullable: false),
                    At = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    GpuUtil = table.Column<double>(type: "double precision", nullable: false),
                    FbUsedMiB = table.Column<double>(type: "double precision", nullable: false),
                    PowerUsageWatts = table.Column<double>(type: "double precision", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ScriptJobSamples", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ScriptJobSamples_ScriptJobs_JobId",
                        column: x => x.JobId,
                        principalTable: "ScriptJobs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ScriptJobTasks",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    TenantId = table.Column<Guid>(type: "uuid", nullable: false),
                    JobId = table.Column<Guid>(type: "uuid", nullable: false),
                    LeaseId = table.Column<Guid>(type: "uuid", nullable: false),
                    Index = table.Column<int>(type: "integer", nullable: false),
                    Attempt = table.Column<int>(type: "integer", nullable: false),
                    State = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Reason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    ExitCode = table.Column<int>(type: "integer", nullable: true),
                    PoolTaskId = table.Column<string>(type: "character varying(80)", maxLength: 80, nullable: true),
                    NodeId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    ReservationId = table.Column<Guid>(type: "uuid", nullable: true),
                    GpuIndexes = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    Gpus = table.Column<int>(type: "integer", nullable: false),
                    StartedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    EndedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    GpuSeconds = table.Column<long>(type: "bigint", nullable: false),
                    StdoutOffset = table.Column<long>(type: "bigint", nullable: false),
                    StderrOffset = table.Column<long>(type: "bigint", nullable: false),
                    MetricsThrough = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    Version = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ScriptJobTasks", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ScriptJobTasks_ScriptJobs_JobId",
                        column: x => x.JobId,
                        principalTable: "ScriptJobs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ScriptJobs_KeepUntil",
                table: "ScriptJobs",
                column: "KeepUntil");

            migrationBuilder.CreateIndex(
                name: "IX_ScriptJobs_LeaseId_LaunchKey",
                table: "ScriptJobs",
                columns: new[] { "LeaseId", "LaunchKey" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ScriptJobs_LeaseId_State_Priority_Sequence",
                table: "ScriptJobs",
                columns: new[] { "LeaseId", "State", "Priority", "Sequence" });

            migrationBuilder.CreateIndex(
                name: "IX_ScriptJobs_TenantId_CreatedAt",
                table: "ScriptJobs",
                columns: new[] { "TenantId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_ScriptJobSamples_JobId_At",
                table: "ScriptJobSamples",
                columns: new[] { "JobId", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_ScriptJobTasks_JobId_Index",
                table: "ScriptJobTasks",
                columns: new[] { "JobId", "Index" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ScriptJobTasks_LeaseId_State",
                table: "ScriptJobTasks",
                columns: new[] { "LeaseId", "State" });

            migrationBuilder.CreateIndex(
                name: "IX_ScriptJobTasks_State",
                table: "ScriptJobTasks",
                column: "State");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ScriptJobSamples");

            migrationBuilder.DropTable(
                name: "ScriptJobTasks");

            migrationBuilder.DropTable(
                name: "ScriptJobs");
        }
    }
}
