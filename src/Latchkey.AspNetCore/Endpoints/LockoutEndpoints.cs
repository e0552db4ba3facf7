using Latchkey.AspNetCore.Authentication;
using Latchkey.Core.Model;
using Latchkey.Core.Services;
using Latchkey.Core.Stores;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Latchkey.AspNetCore.Endpoints;

/// <summary>An admin ends a member's lockout (after <c>Latchkey:Lockout:MaxFailures</c> failures, only this does).</summary>
internal static class LockoutEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapPost("/users/{id:guid}/unlock", UnlockAsync).RequireAuthorization(LatchkeyDefaults.TenantAdminPolicy)
            .WithTags("Users").WithName("UnlockUser").WithSummary("Clear a user's failed-login count and lock");
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> UnlockAsync(
        Guid id, IUserStore users, LoginThrottle throttle, HttpContext context, CancellationToken cancellationToken)
    {
        var caller = CallerPrincipal.ToCaller(context.User);
        var user = await users.FindAsync(caller.TenantId, id, cancellationToken);
        if (user is not { Kind: UserKind.Human })
        {
            return Problems.Status(StatusCodes.Status404NotFound, "User not found");
        }

        await throttle.ResetAsync(user.Login, cancellationToken);
        return TypedResults.NoContent();
    }
}
