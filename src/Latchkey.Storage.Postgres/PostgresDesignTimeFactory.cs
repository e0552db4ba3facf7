using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Latchkey.Storage.Postgres;

/// <summary>
/// Lets <c>dotnet ef migrations add X --project src/Latchkey.Storage.Postgres</c> build the PostgreSQL model without
/// the host (and without a server: adding a migration does not connect).
/// </summary>
internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresLatchkeyDbContext>
{
    public PostgresLatchkeyDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresLatchkeyDbContext>().UseNpgsql("Host=localhost;Database=latchkey").Options);
}
