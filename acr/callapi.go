package acr

import (
	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	openapiutil "github.com/alibabacloud-go/openapi-util/service"
	"github.com/alibabacloud-go/tea/tea"
)

// rawCall calls an action the SDK lacks through its generic CallApi, exactly as the
// generated methods do (RPC, POST, parameters in the query), and converts the answer
// into out, a struct with a Body field. api comes from the client's pool.
func (c *Client) rawCall(api api, action string, query map[string]any, out any) error {
	req := &openapi.OpenApiRequest{Query: openapiutil.Query(query)}
	params := &openapi.Params{
		Action: tea.String(action), Version: tea.String("2018-12-01"), Protocol: tea.String("HTTPS"),
		Pathname: tea.String("/"), Method: tea.String("POST"), AuthType: tea.String("AK"),
		Style: tea.String("RPC"), ReqBodyType: tea.String("formData"), BodyType: tea.String("json"),
	}
	body, err := api.CallApi(params, req, c.runtime)
	if err != nil {
		return err
	}
	return tea.Convert(body, out)
}
