"""Cost of an LLM call: token counts times a price per million tokens.

Prices come from the bundle's `model.pricing` override when set, else from the offline price
table of the `genai-prices` package (imported on first use, so `import agentops_sdk` stays
light). A model neither knows has an unknown cost: the call is counted with `priced="false"`,
never as zero dollars.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Price:
    input_per_million: float
    output_per_million: float

    def cost(self, tokens_in: int, tokens_out: int) -> float:
        return (tokens_in * self.input_per_million + tokens_out * self.output_per_million) / 1_000_000


@lru_cache(maxsize=256)
def table_price(provider: str, model: str) -> Price | None:
    """The price-table entry for a model, or None when the table does not know it."""
    try:
        from genai_prices import Usage, calc_price
    except ImportError:  # genai-prices not installed: only overrides are priced
        return None
    try:
        per_input = calc_price(
            Usage(input_tokens=1_000_000, output_tokens=0), model_ref=model, provider_id=provider or None
        )
        per_output = calc_price(
            Usage(input_tokens=0, output_tokens=1_000_000), model_ref=model, provider_id=provider or None
        )
    except (LookupError, ValueError):
        return None
    return Price(float(per_input.total_price), float(per_output.total_price))


class Pricing:
    def __init__(self, override: Price | None, default_provider: str, default_model: str) -> None:
        self.override = override
        self.default_provider = default_provider
        self.default_model = default_model

    def price(self, provider: str, model: str) -> Price | None:
        if self.override is not None and model == self.default_model:
            return self.override
        return table_price(provider or self.default_provider, model)
