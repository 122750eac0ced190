using System.Text.Json.Serialization;

namespace Solver.Inference.Reading;

public sealed record SymbolBox(int X, int Y, int Width, int Height);

/// <summary>One recognized symbol in the JSON contract (docs/formats.md).</summary>
public sealed record SymbolInfo(SymbolBox Box, string Label, string Text, double Confidence, bool Superscript, IReadOnlyList<Reading.Alternative> Alternatives);

/// <summary>The stable result of reading and solving one image: what `solve --json` prints and `POST /api/solve` returns.</summary>
public sealed class ReadResult
{
    /// <summary>Plain text as read, e.g. "2x+3=7".</summary>
    public string? Equation { get; set; }
    public string? Latex { get; set; }
    public string? Variable { get; set; }
    /// <summary>roots, value, no_solution, all_values; null on error.</summary>
    public string? Kind { get; set; }
    public List<string> Solutions { get; set; } = [];
    /// <summary>The value of an expression with no '='.</summary>
    public string? Value { get; set; }
    public string? Message { get; set; }
    public List<string> Steps { get; set; } = [];
    public List<SymbolInfo> Symbols { get; set; } = [];
    /// <summary>Symbols whose label was changed to a lower-ranked alternative so that the equation reads.</summary>
    public List<int> Corrected { get; set; } = [];
    public string? Error { get; set; }

    [JsonIgnore]
    public bool Ok => Error is null;
}
