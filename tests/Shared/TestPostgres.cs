using Npgsql;

namespace Latchkey.Tests;

/// <summary>
/// The PostgreSQL server the tests use: the throw-away cluster that ./test.sh starts (tests/pg-cluster.sh) and names
/// in <c>LATCHKEY_TEST_POSTGRES</c>. Each test database is created fresh and dropped after.
/// </summary>
internal static class TestPostgres
{
    public const string Variable = "LATCHKEY_TEST_POSTGRES";

    /// <summary>The connection string of a role that may create databases, from <see cref="Variable"/>.</summary>
    public static string AdminConnectionString =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } connectionString
            ? connectionString
            : throw new InvalidOperationException(
                $"{Variable} is not set. Run ./test.sh, which starts a throw-away PostgreSQL cluster, or set {Variable} " +
                "to the connection string of a role that may create databases (tests/pg-cluster.sh create DIR prints one).");

    /// <summary>Creates an empty database of a unique name and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        var name = "latchkey_test_" + Guid.NewGuid().ToString("N");
        await ExecuteAsync($"CREATE DATABASE \"{name}\"");
        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Drops the database of <paramref name="connectionString"/>, closing whatever connections are left.</summary>
    public static async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
    }

    private static async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
