using Npgsql;

namespace Latchkey.Tests;

/// <summary>
/// The PostgreSQL server the tests use: the throw-away cluster that ./test.sh starts (tests/pg-cluster.sh) and names
/// in <c>LATCHKEY_TEST_POSTGRES</c>. Each test database is created fresh and dropped after.
/// </summary>
/// <remarks>
/// Note: a test that needs a migrated database gets a copy of a template migrated once per test process
/// (<see cref="CreateMigratedDatabaseAsync"/>): <c>CREATE DATABASE … TEMPLATE</c> copies the schema in milliseconds, where
/// running every migration again cost each of hundreds of tests a second or more. The migrations themselves are still
/// run, on the template, by the same code; tests of migrating start from <see cref="CreateDatabaseAsync"/>.
/// </remarks>
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

    private static readonly SemaphoreSlim TemplateGate = new(1, 1);
    private static string? _template;

    /// <summary>
    /// A new database that is a copy of this process's template, which <paramref name="migrate"/> (given the template's
    /// connection string, without pooling) migrated on the first call; later calls copy it as it is.
    /// </summary>
    public static async Task<string> CreateMigratedDatabaseAsync(Func<string, Task> migrate)
    {
        var template = await TemplateAsync(migrate);
        var name = "latchkey_test_" + Guid.NewGuid().ToString("N");
        await ExecuteAsync($"CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"");
        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
    }

    private static async Task<string> TemplateAsync(Func<string, Task> migrate)
    {
        await TemplateGate.WaitAsync();
        try
        {
            if (_template is not null)
            {
                return _template;
            }

            var name = "latchkey_template_" + Guid.NewGuid().ToString("N");
            await ExecuteAsync($"CREATE DATABASE \"{name}\"");
            try
            {
                // Note: no pooling: a connection left open on the template would make every copy of it fail ("source
                // database is being accessed by other users").
                await migrate(new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name, Pooling = false }.ConnectionString);
            }
            catch
            {
                await ExecuteAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                throw;
            }

            // Note: the run's cluster is thrown away after it; a long-lived one (an engineer's own) keeps no templates.
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                try
                {
                    ExecuteAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)").GetAwaiter().GetResult();
                }
                catch (NpgsqlException)
                {
                    // Note: the cluster may already be gone.
                }
            };
            return _template = name;
        }
        finally
        {
            TemplateGate.Release();
        }
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
