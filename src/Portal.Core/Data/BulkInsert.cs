using System.Data.Common;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Portal.Core.Data;

/// <summary>
/// Multi-row INSERTs straight through the context's connection, for seeding hundreds of thousands of rows where
/// EF's change tracker would take minutes. Values are written as each provider stores them: on SQLite a Guid as
/// upper-case text (as EF stores it), enums as their names (the model's string conversions).
/// </summary>
public sealed class BulkInsert(PortalDbContext db, string table, params string[] columns)
{
    private readonly bool _sqlite = !db.Database.IsNpgsql();
    // SQLite finds each named parameter by a linear search (sqlite3_bind_parameter_index): a statement of thousands of
    // parameters costs their square. A few hundred per statement there; PostgreSQL takes up to 65,535.
    private int MaxParameters => _sqlite ? 500 : 30_000;
    private readonly List<object?[]> _rows = [];

    public int Written { get; private set; }

    public async Task AddAsync(CancellationToken ct, params object?[] values)
    {
        if (values.Length != columns.Length) throw new ArgumentException($"{table}: {values.Length} values for {columns.Length} columns.");
        _rows.Add(values);
        if ((_rows.Count + 1) * columns.Length > MaxParameters) await FlushAsync(ct);
    }

    public async Task FlushAsync(CancellationToken ct)
    {
        if (_rows.Count == 0) return;
        var connection = db.Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open) await db.Database.OpenConnectionAsync(ct);
        await using var command = connection.CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        var sql = new StringBuilder($"INSERT INTO \"{table}\" (").AppendJoin(", ", columns.Select(c => $"\"{c}\"")).Append(") VALUES ");
        var p = 0;
        for (var r = 0; r < _rows.Count; r++)
        {
            sql.Append(r == 0 ? "(" : ", (");
            for (var c = 0; c < columns.Length; c++, p++)
            {
                sql.Append(c == 0 ? "" : ", ").Append("@p").Append(p);
                var parameter = command.CreateParameter();
                parameter.ParameterName = "@p" + p;
                parameter.Value = Convert(_rows[r][c]);
                command.Parameters.Add(parameter);
            }
            sql.Append(')');
        }
        command.CommandText = sql.ToString();
        await command.ExecuteNonQueryAsync(ct);
        Written += _rows.Count;
        _rows.Clear();
    }

    private object Convert(object? value) => value switch
    {
        null => DBNull.Value,
        Guid g when _sqlite => g.ToString().ToUpperInvariant(),
        Enum e => e.ToString(),
        DateTime t => DateTime.SpecifyKind(t, DateTimeKind.Utc),
        _ => value,
    };
}
