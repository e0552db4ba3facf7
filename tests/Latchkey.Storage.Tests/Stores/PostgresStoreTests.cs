namespace Latchkey.Storage.Tests.Stores;

// Note: the same five contracts as SqliteStoreTests, each test on a fresh database of the tests' PostgreSQL cluster.

public sealed class PostgresTenantStoreTests : TenantStoreContract
{
    private protected override async Task<IStoreDatabase> CreateDatabaseAsync() => await PostgresDatabase.CreateAsync();
}

public sealed class PostgresUserStoreTests : UserStoreContract
{
    private protected override async Task<IStoreDatabase> CreateDatabaseAsync() => await PostgresDatabase.CreateAsync();
}

public sealed class PostgresSessionStoreTests : SessionStoreContract
{
    private protected override async Task<IStoreDatabase> CreateDatabaseAsync() => await PostgresDatabase.CreateAsync();
}

public sealed class PostgresAuditStoreTests : AuditStoreContract
{
    private protected override async Task<IStoreDatabase> CreateDatabaseAsync() => await PostgresDatabase.CreateAsync();
}

public sealed class PostgresLoginThrottleStoreTests : LoginThrottleStoreContract
{
    private protected override async Task<IStoreDatabase> CreateDatabaseAsync() => await PostgresDatabase.CreateAsync();
}

public sealed class PostgresSecondFactorStoreTests : SecondFactorStoreContract
{
    private protected override async Task<IStoreDatabase> CreateDatabaseAsync() => await PostgresDatabase.CreateAsync();
}
