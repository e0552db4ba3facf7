using System.CommandLine;
using Latchkey.Core.Model;
using Latchkey.Core.Services;
using Latchkey.Core.Stores;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Cli.Commands;

/// <summary><c>latchkey machine-user create|list|rotate|delete</c>. A token is printed once, when made, and never again.</summary>
internal static class MachineUserCommands
{
    public static Command Build(CliConsole console)
    {
        var machine = new Command("machine-user", "Create, list, rotate and delete machine users (services that call with a token).");
        machine.Subcommands.Add(Create(console));
        machine.Subcommands.Add(List(console));
        machine.Subcommands.Add(Rotate(console));
        machine.Subcommands.Add(Delete(console));
        return machine;
    }

    private static Command Create(CliConsole console)
    {
        var name = new Argument<string>("name") { Description = "A name people know the machine user by." };
        var tenant = CommonOptions.Tenant();
        var scopes = new Option<string[]>("--scope") { Description = "A scope the token grants (repeat for several).", AllowMultipleArgumentsPerToken = false };
        var command = new Command("create", "Create a machine user and print its token, once.") { name, tenant, scopes };
        CliApp.Handle(command, console, async (cli, cancellationToken) =>
        {
            var target = await cli.Services.ResolveTenantAsync(cli.Get(tenant), cancellationToken);
            var (created, error) = await cli.Services.InTenantAsync(target.Id, (sp, caller) => sp.GetRequiredService<MachineUserService>()
                .CreateAsync(caller, cli.Get(name), cli.Parse.GetValue(scopes) ?? [], cancellationToken));
            if (error is not null)
            {
                throw new CliException(ExitCodes.Invalid, $"{error.Field}: {error.Message}");
            }

            var user = created!.User;
            cli.Output.Record(Describe(user) with { Token = created.Token },
                ("id", user.Id), ("name", user.Name), ("scopes", user.Scopes), ("token", created.Token));
            if (!cli.Output.Json)
            {
                await console.Error.WriteLineAsync("The token is shown this once; only its digest is stored.");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(CliConsole console)
    {
        var tenant = CommonOptions.Tenant();
        var command = new Command("list", "List a tenant's machine users (never a token).") { tenant };
        CliApp.Handle(command, console, async (cli, cancellationToken) =>
        {
            var target = await cli.Services.ResolveTenantAsync(cli.Get(tenant), cancellationToken);
            var users = await cli.Services.InTenantAsync(target.Id, (sp, caller) =>
                Page<User>.AllAsync(page => sp.GetRequiredService<MachineUserService>().ListAsync(caller, page, cancellationToken)));
            cli.Output.Table(users.Select(Describe), ["id", "name", "scopes", "created", "last used"],
                u => [u.Id, u.Name, u.Scopes, u.CreatedAt, u.LastUsedAt]);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Rotate(CliConsole console)
    {
        var id = new Argument<Guid>("id") { Description = "The machine user's id." };
        var tenant = CommonOptions.Tenant();
        var command = new Command("rotate", "Give a machine user a new token (printed once); the old one stops working at once.") { id, tenant };
        CliApp.Handle(command, console, async (cli, cancellationToken) =>
        {
            var target = await cli.Services.ResolveTenantAsync(cli.Get(tenant), cancellationToken);
            var token = await cli.Services.InTenantAsync(target.Id, (sp, caller) => sp.GetRequiredService<MachineUserService>()
                .RotateAsync(caller, cli.Get(id), cancellationToken)) ?? throw new CliException(ExitCodes.NotFound, $"No machine user {cli.Get(id)}.");
            await cli.Services.SettleAsync();
            cli.Output.Record(new { Id = cli.Get(id), Token = token }, ("id", cli.Get(id)), ("token", token));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Delete(CliConsole console)
    {
        var id = new Argument<Guid>("id") { Description = "The machine user's id." };
        var tenant = CommonOptions.Tenant();
        var command = new Command("delete", "Delete a machine user; its token stops working at once.") { id, tenant };
        CliApp.Handle(command, console, async (cli, cancellationToken) =>
        {
            var target = await cli.Services.ResolveTenantAsync(cli.Get(tenant), cancellationToken);
            if (!await cli.Services.InTenantAsync(target.Id, (sp, caller) => sp.GetRequiredService<MachineUserService>().DeleteAsync(caller, cli.Get(id), cancellationToken)))
            {
                throw new CliException(ExitCodes.NotFound, $"No machine user {cli.Get(id)}.");
            }

            await cli.Services.SettleAsync();
            cli.Output.Message($"Machine user {cli.Get(id)} is deleted.", new { Deleted = cli.Get(id) });
            return ExitCodes.Ok;
        });
        return command;
    }

    private static MachineUserView Describe(User user) =>
        new(user.Id, user.TenantId, user.Name, user.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries), user.CreatedAt, user.LastUsedAt, null);

    internal sealed record MachineUserView(
        Guid Id, Guid TenantId, string? Name, string[] Scopes, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, string? Token);
}
