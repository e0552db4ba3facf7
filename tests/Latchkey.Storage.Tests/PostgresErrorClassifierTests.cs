using System.Net.Sockets;
using Latchkey.Storage.Postgres;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Latchkey.Storage.Tests;

public sealed class PostgresErrorClassifierTests
{
    private static readonly PostgresErrorClassifier Classifier = new();

    [Theory]
    [InlineData("23505", "UniqueViolation")]
    [InlineData("57P01", "Unavailable")]
    [InlineData("57P03", "Unavailable")]
    [InlineData("08006", "Unavailable")]
    [InlineData("53300", "Unavailable")]
    [InlineData("40001", "Unavailable")]
    [InlineData("42P01", "Other")]
    [InlineData("23503", "Other")]
    public void ASqlStateIsReadAsItsKindEvenInsideEfsWrapper(string sqlState, string expected)
    {
        var kind = Enum.Parse<StorageErrorKind>(expected);
        var error = new PostgresException("message", "ERROR", "ERROR", sqlState);

        Assert.Equal(kind, Classifier.Classify(error));
        Assert.Equal(kind, Classifier.Classify(new DbUpdateException("wrapped", error)));
    }

    [Fact]
    public void AConnectionThatCannotBeOpenedOrBreaksIsUnavailable()
    {
        Assert.Equal(StorageErrorKind.Unavailable, Classifier.Classify(
            new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused))));
        Assert.Equal(StorageErrorKind.Unavailable, Classifier.Classify(
            new InvalidOperationException("transient", new NpgsqlException("Exception while reading from stream", new IOException()))));
        Assert.Equal(StorageErrorKind.Unavailable, Classifier.Classify(new TimeoutException()));
    }

    [Fact]
    public void AnExceptionThatDidNotComeFromStorageIsNotClassified() =>
        Assert.Null(Classifier.Classify(new InvalidOperationException("a bug")));
}
