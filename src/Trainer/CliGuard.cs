namespace Solver.Trainer;

/// <summary>
/// The one error policy of the command-line tools: a problem the user can fix is one line "error: ..." and
/// exit code 2; anything else is "error: unexpected ..." and exit code 1, with the stack trace only when
/// SOLVER_DEBUG=1. Never a bare stack trace.
/// </summary>
public static class CliGuard
{
    public static int Run(TextWriter stderr, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is ConfigException or Solver.Layers.ShapeException or InvalidDataException or FileNotFoundException
                                      or DirectoryNotFoundException or ImageRejectedException or TrainingDivergedException
                                      or ArgumentException or NotSupportedException or UnauthorizedAccessException or IOException)
        {
            stderr.WriteLine($"error: {e.Message}");
            return 2;
        }
        catch (Exception e)
        {
            stderr.WriteLine($"error: unexpected {e.GetType().Name}: {e.Message}");
            if (Environment.GetEnvironmentVariable("SOLVER_DEBUG") == "1") stderr.WriteLine(e);
            return 1;
        }
    }
}
