namespace Latchkey.Storage.Tests.Stores;

// Note: the contracts hold the tests; these classes only pick the provider. PostgresStoreTests has the same five.

public sealed class SqliteTenantStoreTests : TenantStoreContract
{
    private protected override async Task<IStoreDatabase> CreateDatabaseAsync() => await SqliteDatabase.CreateAsync();
}

public sealed class SqliteUserStoreTests : UserStoreContract
{
    private protected override async Task<IStoreDatabase> CreateDatabaseAsync() => await SqliteDatabase.CreateAsync();
}

public sealed class SqliteSessionStoreTests : SessionStoreContract
{
    private protected override async Task<IStoreDatabase> CreateDatabaseAsync() => await SqliteDatabase.CreateAsync();
}

public sealed class SqliteAuditStoreTests : AuditStoreContract
{
    private protected override async Task<IStoreDatabase> CreateDatabaseAsync() => await SqliteDatabase.CreateAsync();
}

public sealed class SqliteLoginThrottleStoreTests : LoginThrottleStoreContract
{
    private protected override async Task<IStoreDatabase> CreateDatabaseAsync() => await SqliteDatabase.CreateAsync();
}

public sealed class SqliteSecondFactorStoreTests : SecondFactorStoreContract
{
    private protected override async Task<IStoreDatabase> CreateDatabaseAsync() => await SqliteDatabase.CreateAsync();
}

public sealed class SqliteCredentialLookupTests : CredentialLookupContract
{
    private protected override async Task<IStoreDatabase> CreateDatabaseAsync() => await SqliteDatabase.CreateAsync();
}
