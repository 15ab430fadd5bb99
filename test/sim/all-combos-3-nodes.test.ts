import { simulateAllCombos } from "./all-combos.ts";

simulateAllCombos(3);
