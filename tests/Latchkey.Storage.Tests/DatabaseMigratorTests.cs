using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Storage.Tests;

public sealed class DatabaseMigratorTests
{
    [Fact]
    public async Task MigrationCreatesTheDatabaseFileOnFirstRun()
    {
        await using var database = SqliteDatabase.CreateUnmigrated();
        Assert.False(File.Exists(database.FilePath));

        await database.MigrateAsync();

        Assert.True(File.Exists(database.FilePath));
    }

    [Fact]
    public async Task MigrationCreatesTheTenantsUsersAndSessionTables()
    {
        await using var database = SqliteDatabase.CreateUnmigrated();

        await database.MigrateAsync();

        var tables = await ReadStringsAsync(database, "SELECT name FROM sqlite_master WHERE type = 'table'");
        Assert.Contains("tenants", tables);
        Assert.Contains("users", tables);
        Assert.Contains("api_user_key", tables);
        Assert.Contains("audit_log", tables);
    }

    [Fact]
    public async Task MigratingASessionFromBeforeTenancyGivesItItsUsersTenant()
    {
        await using var database = SqliteDatabase.CreateUnmigrated();
        await using (var scope = database.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<LatchkeyDbContext>().GetService<IMigrator>()
                .MigrateAsync("20261125020854_Initial");
        }

        var tenantId = Guid.NewGuid();
        var userId = Guid.NewGuid();
        var sessionId = Guid.NewGuid();
        await ExecuteAsync(database, $"INSERT INTO tenants (id, name, created_at) VALUES ('{tenantId.ToString().ToUpperInvariant()}', 'Acme', 0)");
        await ExecuteAsync(database, "INSERT INTO users (id, tenant_id, kind, login, secret_verifier, role, scopes, disabled, created_at) " +
            $"VALUES ('{userId.ToString().ToUpperInvariant()}', '{tenantId.ToString().ToUpperInvariant()}', 0, 'owner@acme.test', '$sha256$AAAA', 2, '', 0, 0)");
        await ExecuteAsync(database, "INSERT INTO api_user_key (id, user_id, app_id, key_id, key_digest, created_at, last_used_at, expires_at) " +
            $"VALUES ('{sessionId.ToString().ToUpperInvariant()}', '{userId.ToString().ToUpperInvariant()}', 'app-laptop', 'k1', x'00', 0, 0, 1)");

        await database.MigrateAsync();

        await using (var scope = database.CreateScope())
        {
            scope.ServiceProvider.GetRequiredService<TenantContext>().Enter(tenantId);
            // Note: through the tenant filter, as every tenant-scoped store query reads; the row is long expired.
            var sessions = await scope.ServiceProvider.GetRequiredService<LatchkeyDbContext>().Sessions
                .Where(s => s.UserId == userId).ToListAsync(CancellationToken.None);
            Assert.Equal(tenantId, Assert.Single(sessions).TenantId);
        }
    }

    [Fact]
    public async Task MigratingLoginsStoredBeforeCaseFoldingFoldsThemAndRefusesToMergeTwoThatWouldCollide()
    {
        await using var database = SqliteDatabase.CreateUnmigrated();
        await using (var scope = database.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<LatchkeyDbContext>().GetService<IMigrator>()
                .MigrateAsync("20261125032729_LoginThrottle");
        }

        var tenantId = Guid.NewGuid().ToString().ToUpperInvariant();
        await ExecuteAsync(database, $"INSERT INTO tenants (id, name, created_at) VALUES ('{tenantId}', 'Acme', 0)");
        // Note: what the old normaliser (NFKC + lower-casing) stored: ß kept, final sigma kept.
        var logins = new[] { "straße@acme.test", "strasse@acme.test", "οδυσσευς@acme.test", "maß@acme.test" };
        var ids = new List<string>();
        foreach (var login in logins)
        {
            var id = Guid.NewGuid().ToString().ToUpperInvariant();
            ids.Add(id);
            await ExecuteAsync(database, "INSERT INTO users (id, tenant_id, kind, login, secret_verifier, role, scopes, disabled, created_at) " +
                $"VALUES ('{id}', '{tenantId}', 0, '{login}', '$sha256$AAAA', 2, '', 0, 0)");
        }

        await database.MigrateAsync();

        var stored = await ReadStringsAsync(database, "SELECT login FROM users ORDER BY login");
        Assert.Equal(["mass@acme.test", "strasse@acme.test", "straße@acme.test", "οδυσσευσ@acme.test"], stored);
        Assert.Empty(await ReadStringsAsync(database, "SELECT name FROM pending_maintenance"));
    }

    [Fact]
    public async Task MigrationLeavesTheFileInWriteAheadLogMode()
    {
        await using var database = SqliteDatabase.CreateUnmigrated();

        await database.MigrateAsync();

        // Note: a new connection sees the mode only if it was stored in the file, not just set on the migrator's.
        var mode = await ReadStringsAsync(database, "PRAGMA journal_mode");
        Assert.Equal(["wal"], mode);
    }

    [Fact]
    public async Task MigratingASecondTimeChangesNothingAndKeepsTheData()
    {
        await using var database = SqliteDatabase.CreateUnmigrated();
        await database.MigrateAsync();
        var applied = await ReadStringsAsync(database, "SELECT MigrationId FROM __EFMigrationsHistory");
        var tenant = new Tenant { Id = Guid.NewGuid(), Name = "Acme", CreatedAt = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero) };
        var owner = new User { Id = Guid.NewGuid(), TenantId = tenant.Id, Login = "owner@acme.test", SecretVerifier = "$sha256$AAAA", Role = TenantRole.Owner };
        await using (var scope = database.CreateScope())
        {
            Assert.True(await scope.ServiceProvider.GetRequiredService<ITenantStore>().CreateWithOwnerAsync(tenant, owner, null, CancellationToken.None));
        }

        await database.MigrateAsync();

        Assert.Equal(applied, await ReadStringsAsync(database, "SELECT MigrationId FROM __EFMigrationsHistory"));
        Assert.Equal(["wal"], await ReadStringsAsync(database, "PRAGMA journal_mode"));
        await using (var scope = database.CreateScope())
        {
            scope.ServiceProvider.GetRequiredService<TenantContext>().Enter(tenant.Id);
            Assert.Empty(await scope.ServiceProvider.GetRequiredService<LatchkeyDbContext>().Database.GetPendingMigrationsAsync());
            Assert.NotNull(await scope.ServiceProvider.GetRequiredService<ITenantStore>().FindAsync(tenant.Id, CancellationToken.None));
            Assert.NotNull(await scope.ServiceProvider.GetRequiredService<IUserStore>().FindByLoginAsync("owner@acme.test", CancellationToken.None));
        }
    }

    private static async Task ExecuteAsync(SqliteDatabase database, string sql)
    {
        await using var connection = await database.OpenConnectionAsync();
        await using var command = new SqliteCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<List<string>> ReadStringsAsync(SqliteDatabase database, string sql)
    {
        await using var connection = await database.OpenConnectionAsync();
        await using var command = new SqliteCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }
}
