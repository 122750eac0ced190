using System.Globalization;

namespace Solver.Inference.Algebra;

public enum TokenKind { Number, Variable, Pi, Plus, Minus, Times, Divide, Power, Equals, LParen, RParen, Function, End }

/// <summary>A token and where it came from: a character index for text, a symbol index for an image.</summary>
public sealed record Token(TokenKind Kind, string Text, int Position);

/// <summary>A parse error; Position says where (character or symbol index), the message says what.</summary>
public sealed class ParseException(string message, int position) : Exception(message)
{
    public int Position { get; } = position;
}

/// <summary>
/// Recursive-descent parser: statement := expr ('=' expr)?; expr := term (('+'|'-') term)*;
/// term := unary (('*'|'/') unary | implicit-multiplication unary)*; unary := ('-'|'+') unary | power;
/// power := primary ('^' unary)?; primary := number | variable | pi | '(' expr ')' | function primary.
/// Implicit multiplication (2x, 3(x+1), x(x-1)) binds like '*'.
/// </summary>
public sealed class Parser
{
    private readonly IReadOnlyList<Token> tokens;
    private readonly string unit;
    private int at;

    private Parser(IReadOnlyList<Token> tokens, string unit)
    {
        this.tokens = tokens;
        this.unit = unit;
    }

    public static readonly string[] Functions = ["sin", "cos", "tan", "sqrt"];

    /// <summary>Parses typed text such as "2x^2 - 3x = 5" or "36/2*6-4".</summary>
    public static Statement Parse(string text) => Parse(Tokenize(text), "character");

    /// <summary>Parses tokens (from text or from recognized symbols); <paramref name="unit"/> names what Position counts.</summary>
    public static Statement Parse(IReadOnlyList<Token> tokens, string unit)
    {
        var list = tokens.ToList();
        if (list.Count == 0 || list[^1].Kind != TokenKind.End) list.Add(new Token(TokenKind.End, "", list.Count == 0 ? 0 : list[^1].Position + 1));
        var p = new Parser(list, unit);
        if (p.Peek.Kind == TokenKind.End) throw new ParseException("nothing to read: the input is empty", 0);
        var left = p.Expression();
        Expr? right = null;
        if (p.Peek.Kind == TokenKind.Equals)
        {
            p.at++;
            if (p.Peek.Kind == TokenKind.End) throw p.Error("the right side of '=' is empty");
            right = p.Expression();
            if (p.Peek.Kind == TokenKind.Equals) throw p.Error("a second '=' (only one equation at a time)");
        }
        if (p.Peek.Kind != TokenKind.End) throw p.Error($"unexpected '{p.Peek.Text}'");
        return new Statement(left, right);
    }

    public static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        int i = 0;
        while (i < text.Length)
        {
            char ch = text[i];
            if (char.IsWhiteSpace(ch)) { i++; continue; }
            if (char.IsDigit(ch) || (ch == '.' && i + 1 < text.Length && char.IsDigit(text[i + 1])))
            {
                int start = i;
                while (i < text.Length && (char.IsDigit(text[i]) || text[i] == '.')) i++;
                var s = text[start..i];
                if (s.Count(c => c == '.') > 1) throw new ParseException($"'{s}' at character {start + 1} is not a number", start);
                tokens.Add(new Token(TokenKind.Number, s, start));
                continue;
            }
            if (char.IsLetter(ch))
            {
                var fn = Functions.FirstOrDefault(f => string.Compare(text, i, f, 0, f.Length, StringComparison.OrdinalIgnoreCase) == 0);
                if (fn is not null) { tokens.Add(new Token(TokenKind.Function, fn, i)); i += fn.Length; continue; }
                if (string.Compare(text, i, "pi", 0, 2, StringComparison.OrdinalIgnoreCase) == 0) { tokens.Add(new Token(TokenKind.Pi, "pi", i)); i += 2; continue; }
                tokens.Add(new Token(TokenKind.Variable, ch.ToString(), i));
                i++;
                continue;
            }
            var kind = ch switch
            {
                '+' => TokenKind.Plus,
                '-' or '−' => TokenKind.Minus,
                '*' or '×' or '·' => TokenKind.Times,
                '/' or '÷' or ':' => TokenKind.Divide,
                '^' => TokenKind.Power,
                '=' => TokenKind.Equals,
                '(' or '[' => TokenKind.LParen,
                ')' or ']' => TokenKind.RParen,
                'π' => TokenKind.Pi,
                _ => throw new ParseException($"unexpected character '{ch}' at character {i + 1}", i),
            };
            tokens.Add(new Token(kind, ch.ToString(), i));
            i++;
        }
        tokens.Add(new Token(TokenKind.End, "", text.Length));
        return tokens;
    }

    private Token Peek => tokens[at];

    private ParseException Error(string what) =>
        new(Peek.Kind == TokenKind.End ? $"{what} at the end" : $"{what} at {unit} {Peek.Position + 1}", Peek.Position);

    private Expr Expression()
    {
        var left = Term();
        while (Peek.Kind is TokenKind.Plus or TokenKind.Minus)
        {
            var op = tokens[at++];
            if (Peek.Kind is TokenKind.End or TokenKind.Equals or TokenKind.RParen) throw Error($"'{op.Text}' needs a term after it");
            left = new Bin(op.Kind == TokenKind.Plus ? '+' : '-', left, Term(), op.Position);
        }
        return left;
    }

    private static bool StartsFactor(TokenKind k) => k is TokenKind.Number or TokenKind.Variable or TokenKind.Pi or TokenKind.LParen or TokenKind.Function;

    private Expr Term()
    {
        var left = Unary();
        while (true)
        {
            if (Peek.Kind is TokenKind.Times or TokenKind.Divide)
            {
                var op = tokens[at++];
                if (!StartsFactor(Peek.Kind) && Peek.Kind is not TokenKind.Minus and not TokenKind.Plus) throw Error($"'{op.Text}' needs a factor after it");
                left = new Bin(op.Kind == TokenKind.Times ? '*' : '/', left, Unary(), op.Position);
            }
            else if (StartsFactor(Peek.Kind))
            {
                // "2 3" is more likely a misread than a product.
                if (Peek.Kind == TokenKind.Number && RightmostIsNumber(left)) throw Error("two numbers side by side");
                left = new Bin('*', left, Power(), Peek.Position, Implicit: true);
            }
            else return left;
        }
    }

    private static bool RightmostIsNumber(Expr e) => e switch
    {
        Num => true,
        Bin { Op: '^' } => false,
        Bin b => RightmostIsNumber(b.Right),
        _ => false,
    };

    private Expr Unary()
    {
        if (Peek.Kind == TokenKind.Minus) { int pos = tokens[at++].Position; return new Neg(Unary(), pos); }
        if (Peek.Kind == TokenKind.Plus) { at++; return Unary(); }
        return Power();
    }

    private Expr Power()
    {
        var b = Primary();
        if (Peek.Kind == TokenKind.Power)
        {
            var op = tokens[at++];
            if (Peek.Kind is TokenKind.End or TokenKind.Equals or TokenKind.RParen) throw Error("'^' needs an exponent");
            return new Bin('^', b, Unary(), op.Position);
        }
        return b;
    }

    private Expr Primary()
    {
        var t = Peek;
        switch (t.Kind)
        {
            case TokenKind.Number:
                at++;
                return new Num(Rational.Parse(t.Text), t.Position);
            case TokenKind.Variable:
                at++;
                return new Var(t.Text, t.Position);
            case TokenKind.Pi:
                at++;
                return new Pi(t.Position);
            case TokenKind.Function:
                at++;
                if (!StartsFactor(Peek.Kind)) throw Error($"{t.Text} needs an argument");
                return new Func(t.Text, Power(), t.Position);
            case TokenKind.LParen:
                at++;
                if (Peek.Kind == TokenKind.RParen) throw Error("empty parentheses");
                var inner = Expression();
                if (Peek.Kind != TokenKind.RParen) throw Error($"missing ')' for the '(' at {unit} {t.Position + 1}");
                at++;
                return inner;
            case TokenKind.RParen:
                throw Error("')' without a matching '('");
            case TokenKind.End:
                throw Error("the expression ends too early");
            default:
                throw Error($"unexpected '{t.Text}'");
        }
    }
}
