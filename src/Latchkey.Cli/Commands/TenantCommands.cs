using System.CommandLine;
using Latchkey.Core.Model;
using Latchkey.Core.Services;
using Latchkey.Core.Stores;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Cli.Commands;

/// <summary><c>latchkey tenant create|list|show</c>.</summary>
internal static class TenantCommands
{
    public static Command Build(CliConsole console)
    {
        var tenant = new Command("tenant", "Create, list and show tenants.");
        tenant.Subcommands.Add(Create(console));
        tenant.Subcommands.Add(List(console));
        tenant.Subcommands.Add(Show(console));
        return tenant;
    }

    private static Command Create(CliConsole console)
    {
        var name = new Argument<string>("name") { Description = "The tenant's name." };
        var owner = new Option<string>("--owner") { Description = "The login of the tenant's first owner.", Required = true };
        var passwordStdin = CommonOptions.PasswordStdin();
        var command = new Command("create", "Create a tenant with its first owner (whose password is prompted for).") { name, owner, passwordStdin };
        CliApp.Handle(command, console, async (cli, cancellationToken) =>
        {
            var password = Secrets.ReadNewPassword(console, cli.Get(passwordStdin), "Owner's password");
            var result = await cli.Services.UnscopedAsync(sp => sp.GetRequiredService<TenantService>()
                .CreateAsync(cli.Services.Operator, cli.Get(name), cli.Get(owner), password, cancellationToken));
            switch (result.Outcome)
            {
                case SignupOutcome.Created:
                    cli.Output.Record(new { result.TenantId, OwnerUserId = result.UserId, OwnerLogin = Latchkey.Core.Credentials.LoginNormalizer.Normalize(cli.Get(owner)) },
                        ("tenant", result.TenantId), ("owner", Latchkey.Core.Credentials.LoginNormalizer.Normalize(cli.Get(owner))), ("owner id", result.UserId));
                    return ExitCodes.Ok;
                case SignupOutcome.LoginTaken:
                    throw new CliException(ExitCodes.Conflict, $"The login {cli.Get(owner)} is taken.");
                default:
                    throw new CliException(ExitCodes.Invalid, $"{result.Error!.Field}: {result.Error.Message}");
            }
        });
        return command;
    }

    private static Command List(CliConsole console)
    {
        var command = new Command("list", "List every tenant.");
        CliApp.Handle(command, console, async (cli, cancellationToken) =>
        {
            var tenants = await cli.Services.ListTenantsAsync(cancellationToken);
            cli.Output.Table(tenants.Select(t => new { t.Id, t.Name, t.ContactEmail, t.CreatedAt }),
                ["id", "name", "contact e-mail", "created"], t => [t.Id, t.Name, t.ContactEmail, t.CreatedAt]);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show(CliConsole console)
    {
        var reference = new Argument<string>("tenant") { Description = "The tenant: its id, or a name only one tenant has." };
        var command = new Command("show", "Show a tenant with its numbers of users, machine users and live sessions.") { reference };
        CliApp.Handle(command, console, async (cli, cancellationToken) =>
        {
            var tenant = await cli.Services.ResolveTenantAsync(cli.Get(reference), cancellationToken);
            var (humans, machines, sessions) = await cli.Services.InTenantAsync(tenant.Id, async (sp, caller) =>
            {
                var people = await Page<UserSummary>.AllAsync(page => sp.GetRequiredService<UserAdminService>().ListAsync(caller, page, cancellationToken));
                var bots = await Page<User>.AllAsync(page => sp.GetRequiredService<MachineUserService>().ListAsync(caller, page, cancellationToken));
                return (people.Count, bots.Count, (await sp.GetRequiredService<SessionService>().ListInTenantAsync(caller, cancellationToken)).Count);
            });
            cli.Output.Record(
                new { tenant.Id, tenant.Name, tenant.ContactEmail, tenant.CreatedAt, Users = humans, MachineUsers = machines, Sessions = sessions },
                ("id", tenant.Id), ("name", tenant.Name), ("contact e-mail", tenant.ContactEmail), ("created", tenant.CreatedAt),
                ("users", humans), ("machine users", machines), ("live sessions", sessions));
            return ExitCodes.Ok;
        });
        return command;
    }
}
