using Microsoft.Extensions.Logging;
using HangfireLog = Hangfire.Logging;

namespace Portal.Core.Jobs;

/// <summary>
/// Hangfire's logging through the host's <see cref="ILoggerFactory"/>. Hangfire keeps its log provider in a
/// process-wide static, so when several hosts share a process (the tests) the last one configured serves them
/// all: once its factory is disposed, its loggers go quiet instead of failing the other hosts' jobs.
/// </summary>
internal sealed class HostLogProvider(ILoggerFactory factory) : HangfireLog.ILogProvider
{
    public HangfireLog.ILog GetLogger(string name)
    {
        try { return new HostLog(factory.CreateLogger(name)); }
        catch (ObjectDisposedException) { return new HostLog(null); }
    }

    private sealed class HostLog(ILogger? logger) : HangfireLog.ILog
    {
        public bool Log(HangfireLog.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null)
        {
            if (logger is null) return false;
            var level = logLevel switch
            {
                HangfireLog.LogLevel.Trace => LogLevel.Trace,
                HangfireLog.LogLevel.Debug => LogLevel.Debug,
                HangfireLog.LogLevel.Info => LogLevel.Information,
                HangfireLog.LogLevel.Warn => LogLevel.Warning,
                HangfireLog.LogLevel.Error => LogLevel.Error,
                _ => LogLevel.Critical,
            };
            try
            {
                if (!logger.IsEnabled(level)) return false;
                if (messageFunc is not null) logger.Log(level, 0, messageFunc(), exception, (message, _) => message);
                return true;
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
        }
    }
}
