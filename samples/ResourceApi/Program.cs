using Latchkey.AspNetCore;
using Latchkey.AspNetCore.Authentication;
using Latchkey.AspNetCore.Authorization;

// An existing API, protected by Latchkey: the same database as the Latchkey server (ConnectionStrings:Latchkey), so
// the keys it issues and the machine tokens of its tenants work here, with their roles and scopes.
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddLatchkey(builder.Configuration);
var app = builder.Build();
app.UseLatchkey();

// Any signed-in caller: a person's API key (with its X-App-Id) or a machine token.
app.MapGet("/notes", (HttpContext context) => new { tenant = context.User.FindFirst(LatchkeyClaimTypes.TenantId)?.Value, notes = Array.Empty<string>() })
    .RequireAuthorization();

// Machine tokens need the scope; people are refused it too unless their key carries it.
app.MapPost("/notes", () => Results.Created("/notes/1", new { id = 1 })).RequireScope("notes:write");

// People of the tenant with the owner or admin role.
app.MapGet("/reports", () => new { report = "monthly" }).RequireAuthorization(LatchkeyDefaults.TenantAdminPolicy);

app.Run();

/// <summary>The sample's entry point, visible to its integration test.</summary>
public partial class Program;
