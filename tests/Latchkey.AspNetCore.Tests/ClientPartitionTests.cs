using System.Net;
using Latchkey.AspNetCore.Hosting;

namespace Latchkey.AspNetCore.Tests;

public sealed class ClientPartitionTests
{
    [Theory]
    [InlineData("2001:db8:aaaa:bbbb:1:2:3:4", 64, "2001:db8:aaaa:bbbb::/64")]
    [InlineData("2001:db8:aaaa:bbbb:1:2:3:4", 60, "2001:db8:aaaa:bbb0::/60")]
    [InlineData("2001:db8:aaaa:bbbb:1:2:3:4", 48, "2001:db8:aaaa::/48")]
    [InlineData("2001:db8:aaaa:bbbb:1:2:3:4", 128, "2001:db8:aaaa:bbbb:1:2:3:4/128")]
    [InlineData("198.51.100.9", 64, "198.51.100.9")]
    [InlineData("::ffff:198.51.100.9", 64, "198.51.100.9")]
    public void AClientIsItsIPv4AddressOrItsIPv6Prefix(string address, int prefixLength, string partition)
    {
        Assert.Equal(partition, ClientPartition.Of(IPAddress.Parse(address), prefixLength));
    }

    [Fact]
    public void ARequestWithoutAnAddressCountsAsOneUnknownClient()
    {
        Assert.Equal("unknown", ClientPartition.Of((IPAddress?)null, 64));
    }
}
