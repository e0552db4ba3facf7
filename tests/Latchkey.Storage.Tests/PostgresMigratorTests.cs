using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Latchkey.Storage.Tests;

public sealed class PostgresMigratorTests
{
    [Fact]
    public async Task InstancesMigratingTogetherApplyEachMigrationOnceAndAllStartOnTheSameSchema()
    {
        await using var database = await PostgresDatabase.CreateUnmigratedAsync();
        var instances = Enumerable.Range(0, 4).Select(_ => PostgresDatabase.CreateProvider(database.ConnectionString)).ToList();
        try
        {
            // Note: without the advisory lock, instances racing through the same CREATE TABLE fail with 42P07.
            await Task.WhenAll(instances.Select(i => Task.Run(() => PostgresDatabase.MigrateAsync(i))));

            await using var scope = instances[0].CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<LatchkeyDbContext>();
            Assert.Empty(await db.Database.GetPendingMigrationsAsync());
            Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync());
        }
        finally
        {
            foreach (var instance in instances)
            {
                await instance.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task MigratingASecondTimeChangesNothingAndKeepsTheData()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var tenant = new Tenant { Id = Guid.NewGuid(), Name = "Acme", CreatedAt = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero) };
        var owner = new User { Id = Guid.NewGuid(), TenantId = tenant.Id, Login = "owner@acme.test", SecretVerifier = "$sha256$AAAA", Role = TenantRole.Owner };
        await using (var scope = database.CreateScope())
        {
            Assert.True(await scope.ServiceProvider.GetRequiredService<ITenantStore>().CreateWithOwnerAsync(tenant, owner, null, CancellationToken.None));
        }

        await using (var other = PostgresDatabase.CreateProvider(database.ConnectionString))
        {
            await PostgresDatabase.MigrateAsync(other);
        }

        await using (var scope = database.CreateScope())
        {
            Assert.NotNull(await scope.ServiceProvider.GetRequiredService<IUserStore>().FindByLoginAsync("owner@acme.test", CancellationToken.None));
        }
    }

    [Fact]
    public async Task TheMigrationLockIsReleasedAfterMigrating()
    {
        // Note: migrated here, not copied from the run's template: advisory locks belong to one database.
        await using var database = await PostgresDatabase.CreateUnmigratedAsync();
        await using (var services = PostgresDatabase.CreateProvider(database.ConnectionString))
        {
            await PostgresDatabase.MigrateAsync(services);
        }

        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"SELECT pg_try_advisory_lock({Postgres.PostgresLatchkeyDbContext.MigrationLock})", connection);

        Assert.True((bool)(await command.ExecuteScalarAsync())!);
    }
}
