namespace Solver.Inference.Algebra;

/// <summary>An expression tree node. Position is where the node's first token stood (character or symbol index).</summary>
public abstract record Expr(int Position)
{
    public abstract IEnumerable<string> Variables();
}

public sealed record Num(Rational Value, int Position) : Expr(Position)
{
    public override IEnumerable<string> Variables() => [];
}

public sealed record Var(string Name, int Position) : Expr(Position)
{
    public override IEnumerable<string> Variables() => [Name];
}

/// <summary>The constant pi.</summary>
public sealed record Pi(int Position) : Expr(Position)
{
    public override IEnumerable<string> Variables() => [];
}

public sealed record Neg(Expr Operand, int Position) : Expr(Position)
{
    public override IEnumerable<string> Variables() => Operand.Variables();
}

/// <summary>A binary operation: one of + - * / ^. Implicit marks a multiplication written without a sign (2x).</summary>
public sealed record Bin(char Op, Expr Left, Expr Right, int Position, bool Implicit = false) : Expr(Position)
{
    public override IEnumerable<string> Variables() => Left.Variables().Concat(Right.Variables());
}

/// <summary>sin, cos, tan or sqrt applied to an argument.</summary>
public sealed record Func(string Name, Expr Arg, int Position) : Expr(Position)
{
    public override IEnumerable<string> Variables() => Arg.Variables();
}

/// <summary>An equation lhs = rhs, or an expression alone when Right is null.</summary>
public sealed record Statement(Expr Left, Expr? Right);

/// <summary>Renders trees as plain text (2x+3=7) and LaTeX.</summary>
public static class ExprFormat
{
    private static int Precedence(Expr e) => e switch
    {
        Bin { Op: '+' or '-' } => 1,
        Bin { Op: '*' or '/' } => 2,
        Neg => 3,
        Bin { Op: '^' } => 4,
        _ => 5,
    };

    public static string Text(Statement s) => s.Right is null ? Text(s.Left) : $"{Text(s.Left)}={Text(s.Right)}";

    public static string Text(Expr e) => e switch
    {
        Num n => n.Value.ToString(),
        Var v => v.Name,
        Pi => "pi",
        Neg n => "-" + Wrap(n.Operand, 3, strictRight: false),
        Func f => $"{f.Name}({Text(f.Arg)})",
        Bin { Op: '*', Implicit: true } b => Wrap(b.Left, 2, false) + Wrap(b.Right, 3, false),
        Bin b => Wrap(b.Left, Precedence(b), b.Op == '^') + b.Op + Wrap(b.Right, Precedence(b), b.Op is '-' or '/' or '*'),
        _ => "?",
    };

    private static string Wrap(Expr e, int parent, bool strictRight)
    {
        int p = Precedence(e);
        bool paren = p < parent || (strictRight && p == parent);
        return paren ? $"({Text(e)})" : Text(e);
    }

    public static string Latex(Statement s) => s.Right is null ? Latex(s.Left) : $"{Latex(s.Left)} = {Latex(s.Right)}";

    public static string Latex(Expr e) => e switch
    {
        Num n => n.Value.IsInteger ? n.Value.ToString() : $"\\frac{{{n.Value.Num}}}{{{n.Value.Den}}}",
        Var v => v.Name,
        Pi => "\\pi",
        Neg n => "-" + LatexWrap(n.Operand, 3),
        Func { Name: "sqrt" } f => $"\\sqrt{{{Latex(f.Arg)}}}",
        Func f => $"\\{f.Name}\\left({Latex(f.Arg)}\\right)",
        Bin { Op: '/' } b => $"\\frac{{{Latex(b.Left)}}}{{{Latex(b.Right)}}}",
        Bin { Op: '^' } b => $"{LatexWrap(b.Left, 5)}^{{{Latex(b.Right)}}}",
        Bin { Op: '*', Implicit: true } b => LatexWrap(b.Left, 2) + LatexWrap(b.Right, 3),
        Bin { Op: '*' } b => $"{LatexWrap(b.Left, 2)} \\times {LatexWrap(b.Right, 3)}",
        Bin b => $"{LatexWrap(b.Left, 1)} {b.Op} {LatexWrap(b.Right, b.Op == '-' ? 2 : 1)}",
        _ => "?",
    };

    private static string LatexWrap(Expr e, int parent) =>
        Precedence(e) < parent && e is not Bin { Op: '/' } ? $"\\left({Latex(e)}\\right)" : Latex(e);
}
