namespace Solver.Kernels;

/// <summary>Which accelerator a tool should run on. <see cref="Auto"/> tries CUDA, then OpenCL, then the CPU.</summary>
public enum AcceleratorChoice
{
    Auto,
    Cuda,
    OpenCL,
    Cpu,
}

public static class AcceleratorChoiceParser
{
    /// <summary>The environment variable that picks the accelerator when no command-line option does.</summary>
    public const string EnvironmentVariable = "SOLVER_ACCELERATOR";

    public const string Accepted = "auto, cuda, opencl, cpu";

    public static bool TryParse(string? text, out AcceleratorChoice choice)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "auto": choice = AcceleratorChoice.Auto; return true;
            case "cuda": choice = AcceleratorChoice.Cuda; return true;
            case "opencl": case "cl": choice = AcceleratorChoice.OpenCL; return true;
            case "cpu": choice = AcceleratorChoice.Cpu; return true;
            default: choice = AcceleratorChoice.Auto; return false;
        }
    }

    /// <summary>
    /// The command-line value wins; otherwise <c>SOLVER_ACCELERATOR</c>; otherwise auto.
    /// Throws <see cref="ArgumentException"/> with a readable message for an unknown name.
    /// </summary>
    public static AcceleratorChoice Resolve(string? commandLineValue)
    {
        var text = !string.IsNullOrWhiteSpace(commandLineValue)
            ? commandLineValue
            : Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(text)) return AcceleratorChoice.Auto;
        if (TryParse(text, out var choice)) return choice;
        var source = !string.IsNullOrWhiteSpace(commandLineValue) ? "--accelerator" : EnvironmentVariable;
        throw new ArgumentException($"unknown accelerator '{text}' in {source}; expected one of: {Accepted}");
    }
}
