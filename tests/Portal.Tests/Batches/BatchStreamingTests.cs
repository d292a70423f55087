using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Core.Batches;
using Xunit.Abstractions;
using static Portal.Tests.Batches.BatchLines;

namespace Portal.Tests.Batches;

/// <summary>Tests that measure the process's memory, so they run when no other test does.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeasuredAlone
{
    public const string Name = "measured alone";
}

/// <summary>A 200 MB input, exactly the limit, is validated by streaming it: memory stays flat.</summary>
[Collection(MeasuredAlone.Name)]
public class BatchStreamingTests(BatchFactory factory, ITestOutputHelper output) : IClassFixture<BatchFactory>
{
    private const string Chat = BatchUrls.ChatCompletions;

    private BatchOptions Limits => factory.Services.GetRequiredService<IOptions<BatchOptions>>().Value;

    [Fact]
    public async Task A_file_of_exactly_200_MB_is_validated_by_streaming_and_one_byte_more_is_refused()
    {
        Assert.Equal(200L * 1024 * 1024, Limits.MaxFileBytes);
        var tenant = await factory.NewTenantAsync();
        var big = await factory.CreateBatchAsync(tenant, Chat, s => WritePaddedAsync(s, Limits.MaxFileBytes, Limits.MaxLines));
        var tooBig = await factory.CreateBatchAsync(tenant, Chat, s =>
        {
            s.SetLength(Limits.MaxFileBytes + 1); // refused by its size before a byte is read
            return Task.CompletedTask;
        });
        Assert.Equal(Limits.MaxFileBytes, (await factory.FileAsync((await factory.LoadAsync(big)).InputFileId))!.Bytes);

        var before = GC.GetTotalMemory(forceFullCollection: true);
        long peak = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - before);
                await Task.Delay(100);
            }
        });
        await factory.ValidateAsync(big);
        await sampling.CancelAsync();
        await sampler;
        await factory.ValidateAsync(tooBig);

        output.WriteLine($"live managed memory while validating 200 MB: at most {peak / 1024 / 1024} MB above the start");
        var batch = await factory.LoadAsync(big);
        Assert.Equal(BatchStatus.InProgress, batch.Status);
        Assert.Equal(Limits.MaxLines, batch.RequestTotal);
        Assert.True(peak < 100L * 1024 * 1024, $"validation held {peak / 1024 / 1024} MB: it must stream, not load the file");
        var error = Assert.Single(BatchErrorList.Parse((await factory.LoadAsync(tooBig)).ErrorsJson));
        Assert.Equal("file_too_large", error.Code);
        Assert.Null(error.Line);
    }

    /// <summary>Chat lines padded (inside the message) so that <paramref name="lines"/> lines make exactly <paramref name="bytes"/>.</summary>
    private static async Task WritePaddedAsync(Stream s, long bytes, int lines)
    {
        var each = (int)(bytes / lines);
        var longer = (int)(bytes - (long)each * lines); // this many lines get one byte more
        var shortest = Encoding.UTF8.GetByteCount(ChatLine("r00000", content: "")) + 1;
        byte[] Template(int padding) => Encoding.UTF8.GetBytes(ChatLine("r00000", content: new string('a', padding)) + "\n");
        var (longLine, shortLine) = (Template(each + 1 - shortest), Template(each - shortest));
        var digits = shortLine.AsSpan().IndexOf("r00000"u8) + 1;
        for (var i = 0; i < lines; i++)
        {
            var line = i < longer ? longLine : shortLine;
            Encoding.ASCII.GetBytes($"{i:D5}", line.AsSpan(digits, 5));
            await s.WriteAsync(line);
        }
    }
}
