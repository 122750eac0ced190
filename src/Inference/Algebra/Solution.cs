namespace Solver.Inference.Algebra;

public enum SolutionKind
{
    /// <summary>Roots of an equation, in Solutions.</summary>
    Roots,
    /// <summary>An expression without '=' evaluated or simplified, in Value.</summary>
    Value,
    /// <summary>The equation holds for no value.</summary>
    NoSolution,
    /// <summary>The equation holds for every value (Solutions may name exclusions).</summary>
    AllValues,
}

/// <summary>The answer and how it was reached.</summary>
public sealed class Solution
{
    public SolutionKind Kind { get; init; }
    public string? Variable { get; init; }
    /// <summary>Exact where possible ("2", "-1/2", "1+sqrt(2)", "pi/6+2k*pi"); a decimal to 1e-9 where not.</summary>
    public List<string> Solutions { get; init; } = [];
    public string? Value { get; init; }
    public string? Message { get; init; }
    public List<string> Steps { get; init; } = [];
    /// <summary>Roots were found, and none of them is real (x^2+1=0).</summary>
    public bool OnlyComplexRoots { get; init; }
}
