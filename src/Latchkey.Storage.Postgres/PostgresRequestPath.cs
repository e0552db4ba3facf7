using Npgsql;

namespace Latchkey.Storage.Postgres;

/// <summary>
/// The connection pool of the request path's own statements (the credential lookup, the last-use writes, the shared
/// limits' counts), beside
/// the process's <see cref="NpgsqlDataSource"/> that EF Core and the change feed use. Its connections are not reset when
/// they go back to the pool: those statements set no session state, and Npgsql's reset (the parts of
/// <c>DISCARD ALL</c> that keep prepared statements) is otherwise sent ahead of the next statement, six more for
/// PostgreSQL to run beside every one-row read (about a quarter of PostgreSQL's CPU per miss in a bench/cluster.sh
/// trial; docs/deploy.md).
/// </summary>
/// <remarks>
/// Note: a pool of its own rather than the setting on the shared one, where a connection may come back from the
/// change feed's <c>LISTEN</c> or a migration's advisory lock, which the reset ends.
/// </remarks>
internal sealed class PostgresRequestPath : IDisposable, IAsyncDisposable
{
    public PostgresRequestPath(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.NoResetOnClose = true;
        DataSource = builder.Build();
    }

    public NpgsqlDataSource DataSource { get; }

    public void Dispose() => DataSource.Dispose();

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
