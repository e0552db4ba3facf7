using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Storage.Tests;

/// <summary>
/// A migrated, empty database behind the real storage registration. The store contract runs against one per test;
/// each provider (SQLite, PostgreSQL) supplies its own.
/// </summary>
internal interface IStoreDatabase : IAsyncDisposable
{
    /// <summary>A fresh scope, as one request has: its own DbContext and stores.</summary>
    AsyncServiceScope CreateScope();
}
