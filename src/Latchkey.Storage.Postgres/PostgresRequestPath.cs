using Npgsql;

namespace Latchkey.Storage.Postgres;

/// <summary>
/// The connection pools of the request path's own statements, beside the process's <see cref="NpgsqlDataSource"/>
/// that EF Core and the change feed use: <see cref="Lookups"/> for the credential reads of cache misses, at most a few
/// connections, and <see cref="DataSource"/> for the last-use writes and the shared limits' counts. Their connections
/// are not reset when they go back to the pool: those statements set no session state, and Npgsql's reset (the parts of
/// <c>DISCARD ALL</c> that keep prepared statements) is otherwise sent ahead of the next statement, six more for
/// PostgreSQL to run beside every one-row read (about a quarter of PostgreSQL's CPU per miss in a bench/cluster.sh
/// trial; docs/deploy.md).
/// </summary>
/// <remarks>
/// Note: pools of their own rather than the setting on the shared one, where a connection may come back from the
/// change feed's <c>LISTEN</c> or a migration's advisory lock, which the reset ends. The lookups have one apart from the
/// writes because only they are bounded tightly: every request that misses the cache waits for one of a few connections
/// (PostgreSQL serves one-row reads fastest from a few busy connections), while a caller of the shared limits may wait
/// synchronously and must not queue behind them.
/// </remarks>
internal sealed class PostgresRequestPath : IDisposable, IAsyncDisposable
{
    public PostgresRequestPath(string connectionString, int lookupConnections)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(lookupConnections, 1);
        LookupConnections = lookupConnections;
        DataSource = Build(connectionString, maxConnections: null);
        Lookups = Build(connectionString, lookupConnections);
    }

    /// <summary>The size of <see cref="Lookups"/>.</summary>
    public int LookupConnections { get; }

    /// <summary>The last-use writes and the shared limits' counts; bounded by the connection string's <c>Maximum Pool Size</c>.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>The credential reads of cache misses; at most <c>Latchkey:Storage:LookupConnections</c> connections.</summary>
    public NpgsqlDataSource Lookups { get; }

    public void Dispose()
    {
        Lookups.Dispose();
        DataSource.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await Lookups.DisposeAsync();
        await DataSource.DisposeAsync();
    }

    private static NpgsqlDataSource Build(string connectionString, int? maxConnections)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.NoResetOnClose = true;

        // Note: the statements take their keys as arrays, whose length PostgreSQL's generic plan cannot know; it kept
        // planning every execution anew instead (a custom plan is cheaper for 2 keys than the generic one for 10), a
        // fifth of its CPU per miss in bench/cluster.sh's uniform workload. The plan is the same for any length.
        builder.ConnectionStringBuilder.Options = $"{builder.ConnectionStringBuilder.Options} -c plan_cache_mode=force_generic_plan".TrimStart();
        if (maxConnections is { } max)
        {
            builder.ConnectionStringBuilder.MaxPoolSize = max;
            builder.ConnectionStringBuilder.MinPoolSize = Math.Min(builder.ConnectionStringBuilder.MinPoolSize, max);
        }

        return builder.Build();
    }
}
