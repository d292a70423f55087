using Microsoft.EntityFrameworkCore.Storage;

namespace Portal.Core.Data;

/// <summary>
/// A transaction that holds a SQLite database's in-process gate (a <see cref="SemaphoreSlim"/> of <see cref="PortalLocks"/>)
/// and gives it back as soon as it commits, rolls back or is disposed, once.
/// </summary>
internal sealed class GatedTransaction(IDbContextTransaction inner, SemaphoreSlim gate) : IDbContextTransaction
{
    private int released;

    public Guid TransactionId => inner.TransactionId;
    public bool SupportsSavepoints => inner.SupportsSavepoints;

    public void Commit() { try { inner.Commit(); } finally { Release(); } }
    public async Task CommitAsync(CancellationToken ct = default) { try { await inner.CommitAsync(ct); } finally { Release(); } }
    public void Rollback() { try { inner.Rollback(); } finally { Release(); } }
    public async Task RollbackAsync(CancellationToken ct = default) { try { await inner.RollbackAsync(ct); } finally { Release(); } }
    public void CreateSavepoint(string name) => inner.CreateSavepoint(name);
    public Task CreateSavepointAsync(string name, CancellationToken ct = default) => inner.CreateSavepointAsync(name, ct);
    public void RollbackToSavepoint(string name) => inner.RollbackToSavepoint(name);
    public Task RollbackToSavepointAsync(string name, CancellationToken ct = default) => inner.RollbackToSavepointAsync(name, ct);
    public void ReleaseSavepoint(string name) => inner.ReleaseSavepoint(name);
    public Task ReleaseSavepointAsync(string name, CancellationToken ct = default) => inner.ReleaseSavepointAsync(name, ct);
    public void Dispose() { try { inner.Dispose(); } finally { Release(); } }
    public async ValueTask DisposeAsync() { try { await inner.DisposeAsync(); } finally { Release(); } }

    private void Release()
    {
        if (Interlocked.Exchange(ref released, 1) == 0) gate.Release();
    }
}
