using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;

namespace Latchkey.AspNetCore.Hosting;

/// <summary>
/// Which client a request counts against for the per-client limits: its IPv4 address, or its IPv6 address cut to the
/// configured prefix (an IPv4-mapped IPv6 address counts as the IPv4 address it carries).
/// </summary>
internal static class ClientPartition
{
    public static string Of(HttpContext context, int ipv6PrefixLength) => Of(context.Connection.RemoteIpAddress, ipv6PrefixLength);

    public static string Of(IPAddress? address, int ipv6PrefixLength)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        var whole = ipv6PrefixLength / 8;
        if (whole < 16)
        {
            bytes[whole] &= (byte)(0xFF << (8 - (ipv6PrefixLength % 8)));
            bytes[(whole + 1)..].Clear();
        }

        return $"{new IPAddress(bytes)}/{ipv6PrefixLength}";
    }
}
