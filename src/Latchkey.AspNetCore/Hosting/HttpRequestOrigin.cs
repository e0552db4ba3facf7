using Latchkey.AspNetCore.Authentication;
using Latchkey.Core.Services;
using Microsoft.AspNetCore.Http;

namespace Latchkey.AspNetCore.Hosting;

/// <summary>
/// The audit log's view of the current HTTP request. The address is the connection's as the host sees it: behind a
/// proxy, configure ASP.NET Core's forwarded-headers middleware so that it is the client's.
/// </summary>
internal sealed class HttpRequestOrigin(IHttpContextAccessor accessor) : IRequestOrigin
{
    public string? IpAddress
    {
        get
        {
            var address = accessor.HttpContext?.Connection.RemoteIpAddress;
            return address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4().ToString() : address?.ToString();
        }
    }

    public string? AppId => accessor.HttpContext?.User.FindFirst(LatchkeyClaimTypes.AppId)?.Value;
}
