using IdentityPeer;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

// ASP.NET Core Identity as its documentation sets it up for an API: AddIdentityApiEndpoints + MapIdentityApi
// (POST /register, POST /login answering a bearer token) on EF Core and SQLite (ConnectionStrings:Peer), and the
// same constant endpoints as bench/hosts/EmbeddingHost: GET /anon and GET /auth (RequireAuthorization()).
var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddDbContext<PeerDbContext>(options => options.UseSqlite(
    builder.Configuration.GetConnectionString("Peer") ?? "Data Source=identity-peer.db"));
builder.Services.AddIdentityApiEndpoints<IdentityUser>().AddEntityFrameworkStores<PeerDbContext>();
// Note: the bearer tokens are protected with keys that live as long as the process: nothing is left behind.
builder.Services.AddDataProtection().UseEphemeralDataProtectionProvider();
builder.Services.AddAuthorization();

var app = builder.Build();
await using (var scope = app.Services.CreateAsyncScope())
{
    await scope.ServiceProvider.GetRequiredService<PeerDbContext>().Database.EnsureCreatedAsync();
}

app.UseAuthentication();
app.UseAuthorization();
app.MapIdentityApi<IdentityUser>();
app.MapGet("/anon", () => "ok").AllowAnonymous();
app.MapGet("/auth", () => "ok").RequireAuthorization();
app.Run();
