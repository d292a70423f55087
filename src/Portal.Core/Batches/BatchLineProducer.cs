using System.Threading.Channels;

namespace Portal.Core.Batches;

/// <summary>
/// Reads the input and starts one request per line not done, when a server has a free slot (so memory holds at
/// most the requests in flight, whatever the file's size). Lines over the model's context are failed here, never
/// sent. Stopping (cancel, expiry, suspension) ends the reading; the requests in flight still hand in their
/// results; the channel is completed once the last of them has.
/// </summary>
internal sealed class BatchLineProducer(BatchFileStore files, BatchRunHooks hooks, int maxLineBytes)
{
    public async Task ProduceAsync(BatchRun run, byte[] alreadyDone, IReadOnlyList<BatchModelServers.Server> servers, BatchLineSender sender,
        ChannelWriter<BatchResultLine> results, CancellationToken stop, CancellationToken abort, CancellationToken ct)
    {
        var inFlight = new InFlightRequests();
        Exception? failure = null;
        try
        {
            await using var stream = files.OpenRead(run.InputFileId);
            using var reader = new BatchLineReader(stream, maxLineBytes);
            var index = -1;
            while (await reader.ReadAsync(stop))
            {
                if (reader.IsBlank) continue;
                if (++index >= run.RequestTotal) break;
                if (BatchRun.IsSet(alreadyDone, index)) continue;
                string customId;
                byte[] body;
                using (var line = BatchRequestLine.Parse(reader.Line, reader.LineNumber, !reader.EndsWithNewline, out var error))
                {
                    if (line is null) // validation let no such line through; should the file change under us, fail the line alone
                    {
                        await results.WriteAsync(BatchResultLine.Failure(index, null, error!.Code, error.Message), ct);
                        continue;
                    }
                    if (BatchContextCheck.Problem(run.Endpoint, line.Body, run.ContextLength) is { } tooLong)
                    {
                        await results.WriteAsync(BatchResultLine.Failure(index, line.CustomId, "context_length_exceeded", tooLong), ct);
                        continue;
                    }
                    (customId, body) = (line.CustomId, line.BodyBytes());
                }
                var server = await BatchModelServers.AcquireAsync(servers, stop);
                inFlight.Enter();
                _ = SendOneAsync(server, index, customId, body);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested) { } // stopped dispatching
        catch (ChannelClosedException) { } // the run is ending
        catch (Exception e) { failure = e; }
        finally
        {
            await inFlight.DrainAsync();
            results.TryComplete(failure);
        }

        async Task SendOneAsync(BatchModelServers.Server server, int index, string customId, byte[] body)
        {
            try
            {
                hooks.Step("dispatch");
                if (await sender.SendAsync(server, index, customId, body, stop, abort) is { } result)
                    await results.WriteAsync(result, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
            catch (ChannelClosedException) { } // the run ended first: the line runs again on resume
            catch (Exception e) { results.TryComplete(e); } // anything else ends the run, as a crash would
            finally
            {
                server.Release();
                inFlight.Exit();
            }
        }
    }

    /// <summary>Counts requests in flight; <see cref="DrainAsync"/> completes when the producer and all of them are done.</summary>
    private sealed class InFlightRequests
    {
        private int count = 1; // the producer itself
        private readonly TaskCompletionSource drained = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Enter() => Interlocked.Increment(ref count);

        public void Exit()
        {
            if (Interlocked.Decrement(ref count) == 0) drained.TrySetResult();
        }

        public Task DrainAsync()
        {
            Exit();
            return drained.Task;
        }
    }
}
