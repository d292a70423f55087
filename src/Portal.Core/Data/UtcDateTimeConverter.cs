using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Portal.Core.Data;

/// <summary>
/// Every stored DateTime is UTC by convention. SQLite keeps no kind and reads values back as
/// Unspecified; this marks them Utc on read. Writes pass the value through unchanged, so the
/// columns, the migrations and what Npgsql sends to timestamptz stay exactly as before.
/// </summary>
public sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
    v => v,
    v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
