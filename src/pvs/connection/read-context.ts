// What every reading of one PVS works with: the shared client, the API detection it reads through, the
// LocalAPI's variable groups, and this PVS's secrets to mask the answers with.
import { ApiDetection } from "./detection";
import { PvsClient } from "../client/client";
import { OwnerSecrets } from "./owner-secrets";
import { VarsGroups } from "../localapi/vars-groups";

export interface ReadContext {
  readonly client: PvsClient;
  readonly detection: ApiDetection;
  readonly groups: VarsGroups;
  readonly secrets: OwnerSecrets;
}
