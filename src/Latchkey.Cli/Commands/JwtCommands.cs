using System.CommandLine;
using Latchkey.Core.Jwt;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Cli.Commands;

/// <summary><c>latchkey jwt rotate-now</c>: the emergency rotation of the JWT signing key.</summary>
internal static class JwtCommands
{
    public static Command Build(CliConsole console)
    {
        var jwt = new Command("jwt", "The keys that sign the JWTs of POST /v1/token.");
        var rotate = new Command("rotate-now",
            "Stop signing with the current key at once; its published successor signs from now on and a new successor is " +
            "created. Tokens the old key signed still verify until they expire (Latchkey:Jwt:Lifetime); every server " +
            "instance changes over within 10 seconds.");
        CliApp.Handle(rotate, console, async (cli, cancellationToken) =>
        {
            var set = await cli.Services.Root.GetRequiredService<SigningKeyRing>().RotateNowAsync(cli.Services.Operator, cancellationToken);
            cli.Output.Message($"The JWT signing key is now {set.SigningKid} (rotated by {cli.Services.Operator}).",
                new { Kid = set.SigningKid, Operator = cli.Services.Operator });
            return ExitCodes.Ok;
        });
        jwt.Subcommands.Add(rotate);
        return jwt;
    }
}
