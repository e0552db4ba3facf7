using Npgsql;

namespace Latchkey.Benchmarks;

/// <summary>
/// The storage the database benchmarks run on: SQLite always, PostgreSQL when <see cref="PostgresVariable"/> names a
/// server (bench/inprocess.sh starts a throw-away cluster and sets it). Each benchmark's setup creates a database of
/// its own there and drops it in its cleanup.
/// </summary>
internal static class BenchStorage
{
    /// <summary>The Npgsql connection string of a role that may create databases.</summary>
    public const string PostgresVariable = "LATCHKEY_BENCH_POSTGRES";

    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    /// <summary>
    /// The providers to measure: the <c>[ParamsSource]</c> of the database benchmarks. BenchmarkDotNet evaluates it
    /// before it launches the benchmark processes, so without a PostgreSQL server its cases are left out of the run
    /// rather than failing in their setup.
    /// </summary>
    public static IEnumerable<string> Providers() =>
        AdminConnectionString is null ? [Sqlite] : [Sqlite, Postgres];

    private static string? AdminConnectionString =>
        Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } connectionString ? connectionString : null;

    /// <summary>Creates an empty database of a unique name and returns its connection string.</summary>
    public static async Task<string> CreatePostgresDatabaseAsync()
    {
        var admin = AdminConnectionString ?? throw new InvalidOperationException(
            $"{PostgresVariable} is not set; run bench/inprocess.sh, which starts a throw-away PostgreSQL cluster.");
        var name = "latchkey_bench_" + Guid.NewGuid().ToString("N");
        await ExecuteAsync(admin, $"CREATE DATABASE \"{name}\"");
        return new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
    }

    /// <summary>Drops the database of <paramref name="connectionString"/>, closing whatever connections are left.</summary>
    public static async Task DropPostgresDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync(AdminConnectionString!, $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
