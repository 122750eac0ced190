namespace Solver.Inference.Algebra;

/// <summary>N(x)/D(x) with polynomial numerator and denominator: the normal form of an algebraic expression in one variable.</summary>
public sealed record RationalFunction(Polynomial Num, Polynomial Den)
{
    public static RationalFunction Const(Rational v) => new(Polynomial.Constant(v), Polynomial.One);

    public bool IsPolynomial => Den.IsConstant;

    /// <summary>As a polynomial when the denominator is a constant.</summary>
    public Polynomial AsPolynomial() => (Rational.One / Den[0]) * Num;

    public static RationalFunction operator +(RationalFunction a, RationalFunction b) =>
        a.IsPolynomial && b.IsPolynomial ? new(a.AsPolynomial() + b.AsPolynomial(), Polynomial.One) : new(a.Num * b.Den + b.Num * a.Den, a.Den * b.Den);
    public static RationalFunction operator -(RationalFunction a) => new(-a.Num, a.Den);
    public static RationalFunction operator -(RationalFunction a, RationalFunction b) => a + -b;
    public static RationalFunction operator *(RationalFunction a, RationalFunction b) => new(a.Num * b.Num, a.Den * b.Den);

    public static RationalFunction operator /(RationalFunction a, RationalFunction b)
    {
        if (b.Num.IsZero) throw new AlgebraException("division by zero");
        return new(a.Num * b.Den, a.Den * b.Num);
    }

    public RationalFunction Pow(int n) => n >= 0 ? new(Num.Pow(n), Den.Pow(n)) : Const(Rational.One) / new RationalFunction(Num.Pow(-n), Den.Pow(-n));

    /// <summary>Converts an expression with at most the one variable; trig, sqrt and pi are not algebraic here.</summary>
    public static RationalFunction From(Expr e, string? variable) => e switch
    {
        Num n => Const(n.Value),
        Var v when v.Name == variable => new(Polynomial.X, Polynomial.One),
        Var v => throw new AlgebraException($"unknown '{v.Name}'"),
        Neg n => -From(n.Operand, variable),
        Bin { Op: '+' } b => From(b.Left, variable) + From(b.Right, variable),
        Bin { Op: '-' } b => From(b.Left, variable) - From(b.Right, variable),
        Bin { Op: '*' } b => From(b.Left, variable) * From(b.Right, variable),
        Bin { Op: '/' } b => From(b.Left, variable) / From(b.Right, variable),
        Bin { Op: '^' } b => From(b.Left, variable).Pow(IntegerExponent(b.Right, variable)),
        _ => throw new NotAlgebraicException(),
    };

    private static int IntegerExponent(Expr e, string? variable)
    {
        var r = From(e, variable);
        if (!r.IsPolynomial || !r.AsPolynomial().IsConstant) throw new AlgebraException("an exponent that contains the unknown is not supported");
        var v = r.AsPolynomial()[0];
        if (!v.IsInteger) throw new AlgebraException($"the exponent {v} is not a whole number");
        if (v.Num > Polynomial.MaxDegree || v.Num < -Polynomial.MaxDegree) throw new AlgebraException($"the exponent {v} is too large");
        return (int)v.Num;
    }
}

/// <summary>The expression holds sin, cos, tan, sqrt or pi, so it has no exact rational normal form.</summary>
public sealed class NotAlgebraicException() : Exception("not algebraic");
