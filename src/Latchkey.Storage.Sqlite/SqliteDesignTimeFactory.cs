using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Latchkey.Storage.Sqlite;

/// <summary>
/// Lets <c>dotnet ef migrations add X --project src/Latchkey.Storage.Sqlite</c> build the SQLite model without the host.
/// </summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteLatchkeyDbContext>
{
    public SqliteLatchkeyDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteLatchkeyDbContext>().UseSqlite("Data Source=design.db").Options);
}
