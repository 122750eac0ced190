using Solver.Inference.Algebra;

namespace Solver.Inference.Reading;

/// <summary>Recognized labels (dataset class names) to parser tokens. Position is the symbol's index in reading order.</summary>
public static class TokenBuilder
{
    /// <summary>The text a label stands for in an equation, e.g. "times" is '×'.</summary>
    public static string Text(string label) => label switch
    {
        "times" => "×",
        "div" => "÷",
        "forward_slash" => "/",
        "rightarrow" => "→",
        "dot" => ".",
        "ascii_124" => "|",
        _ => label,
    };

    /// <summary>Whether a label is one digit (0-9).</summary>
    public static bool IsDigit(string label) => label.Length == 1 && char.IsDigit(label[0]);

    /// <summary>Whether a label is one letter (a variable such as x, y, z).</summary>
    public static bool IsLetter(string label) => label.Length == 1 && char.IsLetter(label[0]);

    /// <summary>
    /// Which symbols are exponents, from what the geometry saw and the labels. A single digit written right after a
    /// letter is its exponent even when it was not written raised enough to be seen as one: nobody writes x2 for 2x,
    /// while x² with a low 2 is common in handwriting. An '=' is never an exponent, however high it sits (after a small,
    /// low x it can look raised).
    /// </summary>
    public static IReadOnlyList<bool> Exponents(IReadOnlyList<string> labels, IReadOnlyList<bool> superscript)
    {
        bool[]? raised = null;
        for (int i = 0; i < labels.Count; i++)
            if (labels[i] == "=" && superscript[i])
            {
                raised ??= [.. superscript];
                raised[i] = false;
            }
        for (int i = 1; i < labels.Count; i++)
        {
            bool letterBefore = IsLetter(labels[i - 1]) && !superscript[i - 1];
            bool digit = IsDigit(labels[i]) && !superscript[i];
            bool digitAfter = i + 1 < labels.Count && IsDigit(labels[i + 1]);
            if (letterBefore && digit && !digitAfter)
            {
                raised ??= [.. superscript];
                raised[i] = true;
            }
        }
        return raised ?? superscript;
    }

    public static List<Token> Build(IReadOnlyList<string> labels, IReadOnlyList<bool> superscript)
    {
        superscript = Exponents(labels, superscript);
        var tokens = new List<Token>();
        bool inExponent = false;
        for (int i = 0; i < labels.Count; i++)
        {
            if (superscript[i] && !inExponent)
            {
                tokens.Add(new Token(TokenKind.Power, "^", i));
                tokens.Add(new Token(TokenKind.LParen, "(", i));
                inExponent = true;
            }
            else if (!superscript[i] && inExponent)
            {
                tokens.Add(new Token(TokenKind.RParen, ")", i));
                inExponent = false;
            }
            var label = labels[i];
            if (IsDigit(label) || label == "dot")
            {
                var text = label == "dot" ? "." : label;
                // Digits side by side on the same level are one number.
                if (tokens.Count > 0 && tokens[^1].Kind == TokenKind.Number && tokens[^1].Position == i - 1)
                    tokens[^1] = new Token(TokenKind.Number, tokens[^1].Text + text, i);
                else tokens.Add(new Token(TokenKind.Number, text, i));
                // Keep the number's position at its last digit, so the next digit joins it.
                continue;
            }
            tokens.Add(label switch
            {
                "+" => new Token(TokenKind.Plus, "+", i),
                "-" => new Token(TokenKind.Minus, "-", i),
                "times" => new Token(TokenKind.Times, "×", i),
                "div" or "forward_slash" => new Token(TokenKind.Divide, Text(label), i),
                "=" => new Token(TokenKind.Equals, "=", i),
                "(" or "[" or "{" => new Token(TokenKind.LParen, "(", i),
                ")" or "]" or "}" => new Token(TokenKind.RParen, ")", i),
                "pi" => new Token(TokenKind.Pi, "pi", i),
                "sin" or "cos" or "tan" or "sqrt" => new Token(TokenKind.Function, label, i),
                _ when IsLetter(label) => new Token(TokenKind.Variable, label, i),
                _ => throw new ParseException($"'{Text(label)}' (symbol {i + 1}) is not something the solver can use in an equation", i),
            });
        }
        if (inExponent) tokens.Add(new Token(TokenKind.RParen, ")", labels.Count));
        tokens.Add(new Token(TokenKind.End, "", labels.Count));
        // Number positions were moved to their last digit; a parse error then points at the right symbol.
        return tokens;
    }
}
