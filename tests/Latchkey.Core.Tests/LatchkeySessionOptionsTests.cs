namespace Latchkey.Core.Tests;

public sealed class LatchkeySessionOptionsTests
{
    [Fact]
    public void EffectiveLastUsedResolutionIsTheConfiguredOneWhenBelowATenthOfTheIdleTimeout()
    {
        var options = new LatchkeySessionOptions { IdleTimeout = TimeSpan.FromDays(7), LastUsedResolution = TimeSpan.FromMinutes(3) };

        Assert.Equal(TimeSpan.FromMinutes(3), options.EffectiveLastUsedResolution);
    }

    [Fact]
    public void EffectiveLastUsedResolutionIsCappedAtATenthOfTheIdleTimeout()
    {
        var options = new LatchkeySessionOptions { IdleTimeout = TimeSpan.FromMinutes(5), LastUsedResolution = TimeSpan.FromMinutes(1) };

        Assert.Equal(TimeSpan.FromSeconds(30), options.EffectiveLastUsedResolution);
    }

    [Fact]
    public void EffectiveLastUsedResolutionEqualsATenthOfTheIdleTimeoutAtTheBoundary()
    {
        var options = new LatchkeySessionOptions { IdleTimeout = TimeSpan.FromMinutes(10), LastUsedResolution = TimeSpan.FromMinutes(1) };

        Assert.Equal(TimeSpan.FromMinutes(1), options.EffectiveLastUsedResolution);
    }

    [Fact]
    public void EffectiveLastUsedResolutionFollowsChangesToTheIdleTimeout()
    {
        var options = new LatchkeySessionOptions { LastUsedResolution = TimeSpan.FromHours(1) };
        options.IdleTimeout = TimeSpan.FromHours(2);

        Assert.Equal(TimeSpan.FromMinutes(12), options.EffectiveLastUsedResolution);
    }

    [Fact]
    public void DefaultsAreAOneMinuteResolutionWithinASevenDayIdleTimeout()
    {
        var options = new LatchkeySessionOptions();

        Assert.Equal(TimeSpan.FromDays(7), options.IdleTimeout);
        Assert.Equal(TimeSpan.FromMinutes(1), options.EffectiveLastUsedResolution);
    }

    [Fact]
    public void AUserMayHaveOneHundredLiveSessionsByDefault()
    {
        Assert.Equal(100, new LatchkeySessionOptions().MaxPerUser);
    }
}
