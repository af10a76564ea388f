"""What a sandbox costs per running second, as the user's settings say (`SandboxRates`).

E2B bills each second a sandbox runs for the vCPUs and RAM it was given, not what it uses;
paused and killed sandboxes cost nothing (`shared/reference/e2b-tools.md`). The rates are the
settings' `sandbox_vcpu_price` and `sandbox_ram_price` (E2B's published ones by default): the
one source of the cost meter's figures and of the price a consent question names.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from desktop.core.config.settings import Settings

MIB_PER_GIB = Decimal(1024)
SECONDS_PER_HOUR = Decimal(3600)
_MILLI = Decimal("0.001")


@dataclass(frozen=True)
class SandboxRates:
    """E2B's prices per running second, in US dollars."""

    vcpu: Decimal  # per vCPU
    ram_gib: Decimal  # per GiB of RAM

    @classmethod
    def of(cls, settings: Settings) -> SandboxRates:
        """The rates the user's settings hold (E2B's published ones by default)."""
        return cls(settings.sandbox_vcpu_price, settings.sandbox_ram_price)

    def per_second(self, cpu_count: int, memory_mb: int) -> Decimal:
        return self.vcpu * cpu_count + self.ram_gib * Decimal(memory_mb) / MIB_PER_GIB

    def per_hour(self, cpu_count: int, memory_mb: int) -> Decimal:
        return self.per_second(cpu_count, memory_mb) * SECONDS_PER_HOUR

    def cost(self, cpu_count: int, memory_mb: int, seconds: float) -> Decimal:
        """What `seconds` of running cost."""
        exact = Decimal(max(seconds, 0.0)).quantize(_MILLI)
        return self.per_second(cpu_count, memory_mb) * exact
